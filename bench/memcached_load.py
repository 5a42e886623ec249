#!/usr/bin/env python3
"""memcached text-protocol load: 8 clients of set/get/incr/delete/stats for
DURATION seconds (default 3).  Exit 1 when nothing was answered.

usage: memcached_load.py PORT [DURATION]"""
import random, socket, sys, threading, time
port = int(sys.argv[1]); dur = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
ok = [0]; lock = threading.Lock()
def client(i):
    r = random.Random(i)
    s = socket.create_connection(("127.0.0.1", port)); f = s.makefile("rb")
    end = time.time() + dur
    while time.time() < end:
        k = "k%d" % r.randrange(200); op = r.random()
        if op < 0.4:
            v = b"x" * r.randrange(1, 2000)
            s.sendall(b"set %s 0 0 %d\r\n" % (k.encode(), len(v)) + v + b"\r\n"); line = f.readline()
        elif op < 0.8:
            s.sendall(b"get %s\r\n" % k.encode())
            while True:
                line = f.readline()
                if line.startswith(b"VALUE"):
                    n = int(line.split()[3]); f.read(n + 2)
                elif line == b"END\r\n" or not line: break
        elif op < 0.9:
            s.sendall(b"incr n%d 1\r\n" % r.randrange(10)); line = f.readline()
            if line.startswith(b"NOT_FOUND"):
                s.sendall(b"set n%d 0 0 1\r\n0\r\n" % r.randrange(10)); f.readline()
        elif op < 0.97:
            s.sendall(b"delete %s\r\n" % k.encode()); line = f.readline()
        else:
            s.sendall(b"stats\r\n")
            while True:
                line = f.readline()
                if line == b"END\r\n" or not line: break
        if not line: sys.exit("connection closed")
        with lock: ok[0] += 1
    s.close()
ts = [threading.Thread(target=client, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print("requests answered:", ok[0]); sys.exit(0 if ok[0] > 0 else 1)
