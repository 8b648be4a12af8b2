-- name: RestoreLinksAtCommit :exec
-- Checks the foreign keys between restored rows at commit, so that rows load in any order
-- (a port and the peer it names may come in either order).
SET CONSTRAINTS ALL DEFERRED;
