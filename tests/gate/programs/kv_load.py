#!/usr/bin/env python3
"""kv_load.py PORT [REQUESTS] - load for kv_server.c, as a team would write
one for its own server: CLIENTS connections at once, each sending REQUESTS
(default 300) SET/GET/INCR commands over a few shared keys and checking
every answer.

Exit 0 only when every command was answered as the protocol says; 1 when
the server could not be reached, did not answer within 10 s, or answered
wrongly (racelab counts a load's exit status: a load that exits 0 without
having been answered would make a false green).  The reason goes to
stderr."""
import socket
import sys
import threading

CLIENTS = 4
KEYS = ["alpha", "beta", "gamma"]


def client(port, n, cid, errors, start):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            f = s.makefile("rw", newline="\n")
            # every client connected before any sends: they overlap
            start.wait(timeout=10)
            for i in range(n):
                k = KEYS[(i + cid) % len(KEYS)]
                op = i % 3
                if op == 0:
                    f.write(f"SET {k} {i}\n")
                elif op == 1:
                    f.write(f"GET {k}\n")
                else:
                    f.write(f"INCR {k}\n")
                f.flush()
                line = f.readline()
                if not line:
                    raise OSError("connection closed without an answer")
                line = line.strip()
                ok = (line == "OK" if op == 0 else
                      (line.startswith("VALUE ") or line == "NOTFOUND")
                      if op == 1 else
                      line.lstrip("-").isdigit())
                if not ok:
                    raise OSError(f"unexpected answer {line!r} to command {i}")
            f.write("QUIT\n")
            f.flush()
    except OSError as e:
        errors.append(f"client {cid}: {e}")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 300
    errors = []
    start = threading.Barrier(CLIENTS)
    threads = [threading.Thread(target=client, args=(port, n, c, errors, start))
               for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"kv_load: {len(errors)} of {CLIENTS} clients failed: {errors[0]}",
              file=sys.stderr)
        return 1
    print(f"kv_load: {CLIENTS * n} commands answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
