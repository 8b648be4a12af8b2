-- A statement that carries a diagram (megabytes of XML or diagram_json) makes its backend
-- allocate buffers of that size several times: the message, the value's copy, its compressed
-- form. glibc serves such allocations with fresh mappings and unmaps them when freed, until a
-- freed one is larger than any before, so a backend keeps paying a page fault for every 4 KB
-- of every such buffer for a long while. On virtual machines a fault costs 10-20 microseconds:
-- receiving a 1 MB value took 10 ms of the backend's time instead of 3. Freeing one buffer of
-- nearly 32 MB (glibc's ceiling for this adjustment) once per session moves the thresholds at
-- once: the backend then reuses its memory for values up to that size, and returns it to the
-- system only when more than twice that lies free. The server calls this before writing
-- diagram content; other allocators merely allocate and free the buffer once.
CREATE FUNCTION archiflow_keep_session_memory() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('archiflow.session_memory_kept', true) IS DISTINCT FROM 'on' THEN
    PERFORM length(repeat('x', 32 * 1024 * 1024 - 64 * 1024));
    PERFORM set_config('archiflow.session_memory_kept', 'on', false);
  END IF;
END
$$;
