#!/bin/bash
# bench/run.sh - racelab-server against nginx and lighttpd on loopback.
#
# Serves the same 1 KiB file from each server (each started here with its
# own temporary config, on a free port) and drives it with
#   wrk -t2 -c64 -d10s  (keep-alive)
# printing requests/s and the ratio to nginx.  All three in one run, on the
# same machine, one after another.
#
# usage: bench/run.sh [--duration SECONDS] [--server PATH]
# Needs: wrk, nginx (nginx-light), lighttpd: `scripts/install-deps.sh --bench`.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
duration=10
server="$here/build/release/racelab-server"
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) duration=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
for tool in wrk nginx lighttpd; do
    if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
        echo "bench/run.sh: $tool not installed; run scripts/install-deps.sh --bench" >&2
        exit 3
    fi
done
[ -x "$server" ] || { echo "bench/run.sh: $server missing; run make" >&2; exit 3; }

tmp=$(mktemp -d /tmp/racelab-bench.XXXXXX)
# mktemp makes it 0700: as root, nginx's and lighttpd's workers (user
# www-data) could not read the docroot and would serve 403s at full speed.
chmod 0755 "$tmp"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/www"
head -c 1024 /dev/zero | tr '\0' 'x' > "$tmp/www/file-1k.txt"
chmod -R a+rX "$tmp/www"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $(( 20000 + RANDOM % 20000 ))
}

wait_port() {
    for _ in $(seq 100); do
        if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "bench/run.sh: nothing listening on port $1" >&2
    return 1
}

# Checks that NAME on PORT answers 200 with the file's 1024 bytes before
# it is measured: a server that answers 403 quickly is not fast.
check_200() {
    local name=$1 port=$2 code size
    read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' \
        "http://127.0.0.1:$port/file-1k.txt") || true
    if [ "${code:-000}" != 200 ] || [ "${size:-0}" != 1024 ]; then
        echo "bench/run.sh: $name answered ${code:-nothing} (${size:-0} bytes), not 200 with 1024 bytes; not measured" >&2
        exit 1
    fi
}

# Runs wrk against PORT; prints requests/s.  Any non-2xx response or
# socket error fails the benchmark: those numbers would not be the speed
# of serving the file.
drive() {
    check_200 "$2" "$1"
    wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$1/file-1k.txt" > "$tmp/wrk.out"
    if grep -q 'Non-2xx\|Socket errors' "$tmp/wrk.out"; then
        echo "bench/run.sh: $2:" >&2
        grep 'Non-2xx\|Socket errors' "$tmp/wrk.out" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out"
}

stop_last() {
    local p=${pids[-1]}
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    unset 'pids[-1]'
}

declare -A rps

# --- nginx: 2 workers (one per core), access log off, sendfile on -------
port=$(free_port)
mkdir -p "$tmp/nginx"
cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
master_process on;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
    }
}
CONF
/usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/stderr" &
pids+=($!)
wait_port "$port"
rps[nginx]=$(drive "$port" nginx)
stop_last

# --- lighttpd ------------------------------------------------------------
port=$(free_port)
cat > "$tmp/lighttpd.conf" <<CONF
server.document-root = "$tmp/www"
server.port = $port
server.bind = "127.0.0.1"
server.max-keep-alive-requests = 1000000
server.errorlog = "$tmp/lighttpd-error.log"
mimetype.assign = ( ".txt" => "text/plain" )
CONF
/usr/sbin/lighttpd -D -f "$tmp/lighttpd.conf" &
pids+=($!)
wait_port "$port"
rps[lighttpd]=$(drive "$port" lighttpd)
stop_last

# --- racelab-server ------------------------------------------------------
"$server" --port 0 --root "$tmp/www" > "$tmp/racelab.out" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$tmp/racelab.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/racelab.out")
rps[racelab-server]=$(drive "$port" racelab-server)
stop_last

printf '%-16s %12s %9s\n' server requests/s vs-nginx
for s in nginx lighttpd racelab-server; do
    awk -v s="$s" -v r="${rps[$s]}" -v n="${rps[nginx]}" \
        'BEGIN { printf "%-16s %12.0f %8.2fx\n", s, r, r / n }'
done
echo "(wrk -t2 -c64 -d${duration}s, 1 KiB file, keep-alive, $(nproc) cores, $(date -u +%Y-%m-%d))"
