#!/usr/bin/env bash
# Runs one drill with the reference relay in place of the simulated edi_provider.
#
#   run-drill.sh DRILL.yaml [--never-retry] [--verbose] [--out DIR]
#                [--bootstrap HOST:PORT | --broker tansu|kafka] [--prefix PREFIX]
#                [-- more options of `secours drill run`, e.g. --expect-fail ID,ID]
#
# 1. writes the drill's world (clients, topics, timeouts) with `secours world --drill DRILL --json`;
# 2. starts `secours drill run DRILL --external edi_provider` in the background;
# 3. starts the relay (examples/relay/relay.py) with $RELAY_PYTHON (default python3), a Python that
#    has confluent-kafka and fastavro and need not have secours;
# 4. waits for the drill, stops the relay by its pid, exits with the drill's exit code.
# The world file and the logs of the drill and the relay go to OUT.relay/ (OUT: --out, default
# out/<drill>-relay).
#
# The broker: with --bootstrap (or $SECOURS_BOOTSTRAP), that cluster. Otherwise the script starts
# one first (`secours broker start --kind tansu|kafka`, --broker, default tansu) and stops it at the
# end, so that drill and relay are both given its address up front (the drill's own embedded broker
# would only be known from a line of its log). If a broker of that kind is already running (another
# user's), it is used, and left running. Every run gets a topic prefix of its own unless --prefix is
# given: runs sharing a cluster do not see each other's topics, and the relay no announcement of an
# earlier run.
#
# Environment: RELAY_PYTHON (python3), SECOURS (the secours command: the repository's .venv, else PATH).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [[ -z "${SECOURS:-}" ]]; then
    if [[ -x "$repo/.venv/bin/secours" ]]; then SECOURS="$repo/.venv/bin/secours"; else SECOURS=secours; fi
fi
RELAY_PYTHON=${RELAY_PYTHON:-python3}

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

drill="" out="" bootstrap="${SECOURS_BOOTSTRAP:-}" broker=tansu prefix=""
relay_opts=() drill_opts=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --never-retry|--verbose) relay_opts+=("$1"); shift ;;
        --out) out="$2"; shift 2 ;;
        --bootstrap) bootstrap="$2"; shift 2 ;;
        --broker) broker="$2"; shift 2 ;;
        --prefix) prefix="$2"; shift 2 ;;
        --) shift; drill_opts+=("$@"); break ;;
        -h|--help) usage ;;
        -*) echo "run-drill.sh: unknown option $1 (options of secours drill run go after --)" >&2; exit 2 ;;
        *) [[ -z "$drill" ]] || usage; drill="$1"; shift ;;
    esac
done
[[ -n "$drill" && -f "$drill" ]] || { echo "run-drill.sh: give a drill file" >&2; usage; }
[[ "$broker" == tansu || "$broker" == kafka ]] || { echo "run-drill.sh: --broker tansu or kafka" >&2; exit 2; }
name=$(basename "$drill" .yaml)
out=${out:-out/$name-relay}
prefix=${prefix:-relay$(date +%s)$$.}
work="$out.relay"  # the world file and the logs, beside the drill's report folder
mkdir -p "$work"

drill_pid="" relay_pid="" our_broker=""

stop_pid() {  # stop_pid PID: TERM, then KILL after 10 s
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    [[ -n "$relay_pid" ]] && stop_pid "$relay_pid"
    [[ -n "$drill_pid" ]] && stop_pid "$drill_pid"
    if [[ -n "$our_broker" ]]; then
        "$SECOURS" broker stop --kind "$our_broker" >/dev/null || echo "run-drill.sh: could not stop the $our_broker broker" >&2
    fi
    relay_pid="" drill_pid="" our_broker=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

json_field() { "$RELAY_PYTHON" -c "import json,sys; print(json.load(sys.stdin).get('$1') or '')"; }

# --- the broker ---------------------------------------------------------------------------------
if [[ -z "$bootstrap" ]]; then
    if started=$("$SECOURS" broker start --kind "$broker" --json 2>"$work/broker.err"); then
        bootstrap=$(head -1 <<<"$started" | json_field bootstrap)
        our_broker=$broker
        echo "run-drill.sh: started a $broker broker on $bootstrap" >&2
    else
        bootstrap=$("$SECOURS" broker status --kind "$broker" --json | json_field bootstrap)
        [[ -n "$bootstrap" ]] || { cat "$work/broker.err" >&2; exit 1; }
        echo "run-drill.sh: using the $broker broker already running on $bootstrap (left running)" >&2
    fi
fi

# --- 1. the world ---------------------------------------------------------------------------------
"$SECOURS" world --drill "$drill" --json >"$work/world.json" || exit 1

# --- 2. the drill, waiting for the relay ------------------------------------------------------------
echo "run-drill.sh: $name on $bootstrap, topic prefix $prefix, report in $out, relay log $work/relay.log" >&2
"$SECOURS" drill run "$drill" --external edi_provider --out "$out" --bootstrap "$bootstrap" --prefix "$prefix" \
    --no-progress ${drill_opts[@]+"${drill_opts[@]}"} 2> >(tee "$work/drill.log" >&2) &
drill_pid=$!

# --- 3. the relay ---------------------------------------------------------------------------------
"$RELAY_PYTHON" "$here/relay.py" --bootstrap "$bootstrap" --prefix "$prefix" --world "$work/world.json" \
    --schemas "$repo/schemas" ${relay_opts[@]+"${relay_opts[@]}"} >"$work/relay.log" 2>&1 &
relay_pid=$!

# --- 4. wait for the drill ------------------------------------------------------------------------
wait "$drill_pid"
code=$?
drill_pid=""
if ! kill -0 "$relay_pid" 2>/dev/null; then
    echo "run-drill.sh: the relay had stopped before the drill ended (see $work/relay.log):" >&2
    tail -5 "$work/relay.log" >&2
fi
stop_pid "$relay_pid"
relay_pid=""
tail -1 "$work/relay.log" | sed 's/^/run-drill.sh: /' >&2
exit "$code"
