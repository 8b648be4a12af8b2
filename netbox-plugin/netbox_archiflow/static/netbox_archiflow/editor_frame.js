// The page script of every page that embeds the ArchiFlow editor (inc/editor_frame.html): sets
// the frame's address from the json_script payload, says when the editor link has expired, and
// answers the editor's requests for a fresh token with one from NetBox's editor-token/ view.
// A static file, not inline, so NetBox pages need no inline script for it.
(function () {
  var data = JSON.parse(document.getElementById("archiflow-embed").textContent);
  var frame = document.getElementById("archiflow-editor");
  var open = document.getElementById("archiflow-open");
  var expired = document.getElementById("archiflow-expired");
  frame.title = data.title;
  // data.src carries the token after "#": browsers never send that part to a server, and
  // the editor takes it out of its address once it has read it.
  frame.src = data.src;
  open.href = data.src;
  var base = data.src.split("#")[0];
  var token = null;
  try {
    token = decodeURIComponent(data.src.split("#token=")[1] || "");
  } catch (e) {
    token = null;
  }
  // The token only opens the editor; once it has expired, a reload of the frame or the
  // "new tab" link would be refused, so say so instead of showing a broken editor later.
  var expiryTimer = null;
  function watchExpiry(expires) {
    window.clearTimeout(expiryTimer);
    open.classList.remove("disabled");
    expired.classList.add("d-none");
    expiryTimer = window.setTimeout(function () {
      open.classList.add("disabled");
      expired.classList.remove("d-none");
    }, Math.max(expires * 1000 - Date.now(), 0));
  }
  watchExpiry(data.expires);
  // Tokens live minutes; while this page is open, the editor asks it for a fresh one before
  // its own runs out. This page asks NetBox (its session, CSRF token and permission check)
  // and hands the answer only to the editor's frame, at the editor's origin.
  var waiting = null;
  function answer(token) {
    frame.contentWindow.postMessage({ archiflow: "token", token: token }, data.origin);
  }
  function renew() {
    return fetch(data.refresh.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.refresh.csrf },
      body: JSON.stringify({ token: token })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (body) {
      if (!body || typeof body.token !== "string" || typeof body.expires !== "number") {
        return null;
      }
      token = body.token;
      open.href = base + "#token=" + encodeURIComponent(token);
      watchExpiry(body.expires);
      return token;
    }).catch(function () {
      return null;
    });
  }
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== data.origin) return;
    var msg = event.data;
    if (!msg || typeof msg !== "object" || msg.archiflow !== "token-refresh") return;
    if (!data.refresh || !token) return answer(null);
    // Requests that arrive while one is under way share its answer.
    if (!waiting) {
      waiting = renew().then(function (fresh) {
        waiting = null;
        return fresh;
      });
    }
    waiting.then(answer);
  });
})();
