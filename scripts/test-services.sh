#!/usr/bin/env bash
# Real services for the test suite, on this machine (Debian 12, root; no systemd, no Docker):
#   - network namespaces fnl-node-a / fnl-node-b on bridge fnlbr0 (several "machines" on one host),
#   - a throwaway PostgreSQL server,
#   - munge plus a one-node Slurm cluster.
# See /work/shared/CLUSTER-NOTES.md for where the commands come from.
#
# Sourced (test.sh):
#   source scripts/test-services.sh
#   trap funnel_services_stop EXIT   # before start, so a half-way start is cleaned up too
#   funnel_services_start            # exports FUNNEL_TEST_* and SLURM_CONF for what came up
#   swift test ...                   # not `exec`: exec drops the EXIT trap
# Executed, for developers:
#   scripts/test-services.sh shell swift test --filter Cluster
#
# Exported by funnel_services_start (only for services that came up):
#   FUNNEL_TEST_POSTGRES         postgres://postgres@127.0.0.1:PORT/postgres
#   FUNNEL_TEST_POSTGRES_BRIDGE  postgres://postgres@10.213.0.1:PORT/postgres (reachable from the namespaces)
#   FUNNEL_TEST_NETNS            "fnl-node-a fnl-node-b"
#   FUNNEL_TEST_SLURM=1 and SLURM_CONF (the sbatch/squeue/scontrol clients read it)
# A service that fails is reported with its log tail and its variable is left unset; with CI=true any
# failure makes funnel_services_start clean up and return 1, so the suite cannot pass without them.
#
# Functions only: sourcing must not change the caller's shell options (test.sh runs `set -euo pipefail`);
# each public function makes its option changes local (`local -`).

_fnl_packages=(postgresql slurmctld slurmd slurm-client munge libpmix2 iproute2)
_fnl_bridge=fnlbr0
_fnl_bridge_ip=10.213.0.1
_fnl_subnet=10.213.0.0/24
_fnl_nodes=(fnl-node-a fnl-node-b)
_fnl_node_ips=(10.213.0.11 10.213.0.12)
_fnl_veths=(fnl-veth-a fnl-veth-b)

# State of the current run (globals, so that an EXIT trap in the same shell can stop it).
_fnl_W=""
_fnl_failed=()
_fnl_netns_ok=""
_fnl_pgbin=""
_fnl_pg_port=""
_fnl_munged_pid=""
_fnl_slurmctld_pid=""
_fnl_slurmd_pid=""

_fnl_say() { echo "services: $*" >&2; }

# _fnl_fail NAME LOG MESSAGE: report a service that did not come up, with the end of its log.
_fnl_fail() {
  local name=$1 log=$2
  shift 2
  _fnl_failed+=("$name")
  echo "services: FAILED: $name: $*" >&2
  if [[ -n $log && -r $log ]]; then
    echo "services: --- last lines of $log ---" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
  fi
}

# _fnl_sudo CMD...: apt-get needs root; everything else here does too, but only apt has a sudo fallback.
_fnl_sudo() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

_fnl_install_packages() {
  local p missing=()
  for p in "${_fnl_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  _fnl_say "installing: ${missing[*]}"
  # Debian's policy-rc.d keeps the packaged services from starting here; we start our own below.
  if ! { _fnl_sudo apt-get update -qq &&
         _fnl_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           "${missing[@]}"; } >"$_fnl_W/apt.log" 2>&1; then
    _fnl_fail packages "$_fnl_W/apt.log" "apt-get install ${missing[*]} failed"
    return 1
  fi
}

# _fnl_free_port START: the first TCP port from START up that nothing listens on.
_fnl_free_port() {
  local p=$1
  while [[ -n $(ss -Htln "sport = :$p" 2>/dev/null) ]]; do ((p++)); done
  echo "$p"
}

# _fnl_alive PID: running, not a zombie (an exited daemon waits as a zombie until init reaps it).
_fnl_alive() {
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z ]]
}

# _fnl_wait_gone PID SECONDS: wait for PID to exit; SIGKILL it if it is still there afterwards.
_fnl_wait_gone() {
  local pid=$1 i
  for ((i = 0; i < $2 * 10; i++)); do
    _fnl_alive "$pid" || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  sleep 0.1
}

# _fnl_stop_pid PID: SIGTERM, then SIGKILL after 10 s.
_fnl_stop_pid() {
  [[ -n $1 ]] && _fnl_alive "$1" || return 0
  kill "$1" 2>/dev/null
  _fnl_wait_gone "$1" 10
}

# _fnl_kill_marked DIR [jobs]: SIGKILL what a run with work dir DIR left behind, found three ways:
#  - SLURM_CONF=DIR/slurm/slurm.conf with a SLURM_JOB_ID in its environment: Slurm job processes,
#  - an open file or working dir under DIR: slurmstepd, slurmd, slurmctld (logs), postgres (data),
#  - FUNNEL_SERVICES_DIR=DIR in its environment: every daemon we start gets it (munged keeps it;
#    postgres and Slurm daemons overwrite their environment area with their process titles).
# With "jobs", only Slurm job processes and slurmstepd. This shell and its ancestors are spared.
_fnl_kill_marked() {
  local dir=$1 only=${2:-} p f keep=" " pids=()
  p=$BASHPID
  while [[ -n $p && $p != 0 ]]; do
    keep+="$p "
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
  done
  for f in $(grep -lzxF "SLURM_CONF=$dir/slurm/slurm.conf" /proc/[0-9]*/environ 2>/dev/null); do
    grep -qz '^SLURM_JOB_ID=' "$f" 2>/dev/null && pids+=("$(_fnl_proc_pid "$f")")
  done
  for f in $(find /proc/[0-9]*/fd /proc/[0-9]*/cwd -maxdepth 1 \( -lname "$dir/*" -o -lname "$dir" \) 2>/dev/null); do
    p=$(_fnl_proc_pid "$f")
    [[ $only != jobs || $(cat "/proc/$p/comm" 2>/dev/null) == slurmstepd ]] && pids+=("$p")
  done
  if [[ $only != jobs ]]; then
    for f in $(grep -lzxF "FUNNEL_SERVICES_DIR=$dir" /proc/[0-9]*/environ 2>/dev/null); do
      pids+=("$(_fnl_proc_pid "$f")")
    done
  fi
  for p in $(printf '%s\n' "${pids[@]}" | sort -u); do
    [[ $keep == *" $p "* ]] || kill -9 "$p" 2>/dev/null
  done
  return 0
}
_fnl_proc_pid() { local p=${1#/proc/}; echo "${p%%/*}"; }

# Work dirs of earlier runs whose shell is gone (killed before its EXIT trap): kill their leftover
# daemons, which would otherwise hold Slurm's ports, and delete the dirs.
_fnl_clean_stale_runs() {
  local d owner
  for d in /tmp/funnel-services.??????; do
    [[ -d $d && $d != "$_fnl_W" ]] || continue
    owner=$(cat "$d/owner.pid" 2>/dev/null)
    if [[ -n $owner ]] && kill -0 "$owner" 2>/dev/null; then
      _fnl_say "warning: another run (shell $owner, $d) seems alive; its namespaces will be replaced"
      continue
    fi
    _fnl_kill_marked "$d"
    rm -rf "$d"
  done
}

# --- network namespaces -------------------------------------------------------------------------

_fnl_netns_delete() {
  local ns dev
  for ns in "${_fnl_nodes[@]}"; do
    if ip netns list 2>/dev/null | grep -qw "^$ns"; then
      ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
      ip netns del "$ns" 2>/dev/null
    fi
  done
  # Deleting a namespace deletes its eth0 and so the host-side veth; delete explicitly in case.
  for dev in "${_fnl_veths[@]}" "$_fnl_bridge"; do
    ip link show "$dev" >/dev/null 2>&1 && ip link del "$dev" 2>/dev/null
  done
  return 0
}

_fnl_netns_create() {
  local i ns
  ip link add "$_fnl_bridge" type bridge &&
  ip addr add "$_fnl_bridge_ip/24" dev "$_fnl_bridge" &&
  ip link set "$_fnl_bridge" up || return 1
  for i in "${!_fnl_nodes[@]}"; do
    ns=${_fnl_nodes[i]}
    ip netns add "$ns" &&
    ip link add "${_fnl_veths[i]}" type veth peer name eth0 netns "$ns" &&
    ip link set "${_fnl_veths[i]}" master "$_fnl_bridge" up &&
    ip -n "$ns" addr add "${_fnl_node_ips[i]}/24" dev eth0 &&
    ip -n "$ns" link set eth0 up &&
    ip -n "$ns" link set lo up || return 1
  done
}

_fnl_netns_start() {
  local err=$_fnl_W/netns.log
  _fnl_netns_delete   # leftovers of an earlier run
  if ! _fnl_netns_create 2>"$err"; then
    _fnl_netns_delete
    _fnl_fail "network namespaces" "$err" \
      "cannot create bridge/namespaces (needs root or CAP_NET_ADMIN+CAP_SYS_ADMIN); FUNNEL_TEST_NETNS stays unset"
    return 1
  fi
  _fnl_netns_ok=1
  export FUNNEL_TEST_NETNS="${_fnl_nodes[*]}"
  _fnl_say "network namespaces ${_fnl_nodes[*]} (${_fnl_node_ips[*]}) on bridge $_fnl_bridge $_fnl_bridge_ip"
}

# --- PostgreSQL ---------------------------------------------------------------------------------

# Run as the postgres user when root (initdb and postgres refuse root).
_fnl_as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- env FUNNEL_SERVICES_DIR="$_fnl_W" "$@"
  else env FUNNEL_SERVICES_DIR="$_fnl_W" "$@"; fi
}

_fnl_postgres_start() {
  local W=$_fnl_W log=$_fnl_W/pg.log data=$_fnl_W/pg/data listen=127.0.0.1 where
  # Newest installed major version (15 on Debian 12), found rather than assumed.
  _fnl_pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ ! -x $_fnl_pgbin/initdb ]]; then
    _fnl_fail PostgreSQL "" "no initdb under /usr/lib/postgresql/*/bin"; _fnl_pgbin=""; return 1
  fi
  mkdir -p "$W/pg"
  # The server writes its socket into $W and its data into $W/pg.
  [[ $(id -u) -eq 0 ]] && chown postgres: "$W" "$W/pg"
  if ! _fnl_as_pg "$_fnl_pgbin/initdb" -D "$data" -U postgres --auth=trust --no-sync \
         -E UTF8 --locale=C.UTF-8 >"$W/initdb.log" 2>&1; then
    _fnl_fail PostgreSQL "$W/initdb.log" "initdb failed"; return 1
  fi
  _fnl_pg_port=$(_fnl_free_port 55432)
  [[ -n $_fnl_netns_ok ]] && listen+=",$_fnl_bridge_ip"
  # fsync=off: a throwaway server; 200 connections: tests open pools from several "machines".
  cat >>"$data/postgresql.conf" <<EOF

# funnel test services
listen_addresses = '$listen'
port = $_fnl_pg_port
unix_socket_directories = '$W'
fsync = off
max_connections = 200
EOF
  echo "host all all $_fnl_subnet trust" >>"$data/pg_hba.conf"
  # The server (user postgres) creates $log itself: a file made here by root would not be writable.
  if ! _fnl_as_pg "$_fnl_pgbin/pg_ctl" -D "$data" -l "$log" -w -t 30 start >"$W/pg_ctl.log" 2>&1; then
    _fnl_fail PostgreSQL "$log" "pg_ctl start failed (port $_fnl_pg_port): $(tail -n 3 "$W/pg_ctl.log")"
    return 1
  fi
  if ! PGCONNECT_TIMEOUT=5 "$_fnl_pgbin/psql" -h 127.0.0.1 -p "$_fnl_pg_port" -U postgres -Atqc 'select 1' \
         >"$W/psql-check.log" 2>&1; then
    _fnl_fail PostgreSQL "$log" "server started but psql 'select 1' failed: $(cat "$W/psql-check.log")"; return 1
  fi
  export FUNNEL_TEST_POSTGRES="postgres://postgres@127.0.0.1:$_fnl_pg_port/postgres"
  where="127.0.0.1:$_fnl_pg_port"
  if [[ -n $_fnl_netns_ok ]]; then
    export FUNNEL_TEST_POSTGRES_BRIDGE="postgres://postgres@$_fnl_bridge_ip:$_fnl_pg_port/postgres"
    where+=" and $_fnl_bridge_ip"
    # What the namespaced workers will do; a failure here is a network problem, not a server one.
    PGCONNECT_TIMEOUT=5 ip netns exec "${_fnl_nodes[0]}" "$_fnl_pgbin/psql" -h "$_fnl_bridge_ip" \
      -p "$_fnl_pg_port" -U postgres -Atqc 'select 1' >"$W/psql-check.log" 2>&1 ||
      _fnl_say "warning: PostgreSQL not reachable from ${_fnl_nodes[0]} at $_fnl_bridge_ip:$_fnl_pg_port: $(cat "$W/psql-check.log")"
  fi
  _fnl_say "PostgreSQL $(basename "$(dirname "$_fnl_pgbin")") on $where (log $log)"
}

_fnl_postgres_stop() {
  local data=$_fnl_W/pg/data pid
  [[ -n $_fnl_pgbin && -f $data/postmaster.pid ]] || return 0
  pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
  _fnl_as_pg "$_fnl_pgbin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    _fnl_as_pg "$_fnl_pgbin/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1
  [[ -n $pid ]] && _fnl_wait_gone "$pid" 5
}

# --- munge --------------------------------------------------------------------------------------

_fnl_munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

_fnl_munge_start() {
  local log=/var/log/munge/munged.log pidfile=/run/munge/munged.pid i
  # A working munged (a real cluster's, or one we did not stop) is shared, and left running.
  if _fnl_munge_ok; then
    _fnl_say "munge: using the munged already running"
    return 0
  fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    _fnl_fail munge "" "no /etc/munge/munge.key (reinstall munge or run mungekey --create)"; return 1
  fi
  # /run is a tmpfs: the socket dir is gone after a reboot.
  mkdir -p /run/munge && chown munge: /run/munge
  # --force: take over a socket left by a munged that was killed.
  if ! runuser -u munge -- env FUNNEL_SERVICES_DIR="$_fnl_W" /usr/sbin/munged --force \
         >"$_fnl_W/munged.out" 2>&1 </dev/null; then
    _fnl_fail munge "$log" "munged did not start ($(cat "$_fnl_W/munged.out"))"; return 1
  fi
  # munged forks; its pid file is written by the daemon, so poll briefly.
  for ((i = 0; i < 50; i++)); do
    _fnl_munged_pid=$(cat "$pidfile" 2>/dev/null)
    [[ -n $_fnl_munged_pid ]] && _fnl_munge_ok && break
    sleep 0.1
  done
  [[ -n $_fnl_munged_pid ]] || _fnl_munged_pid=$(pgrep -u munge -x munged | head -n 1)
  if ! _fnl_munge_ok; then
    _fnl_fail munge "$log" "munge -n | unmunge fails"; return 1
  fi
  _fnl_say "munge: munged pid $_fnl_munged_pid (log $log)"
}

# --- Slurm --------------------------------------------------------------------------------------

_fnl_slurm_start() {
  local S=$_fnl_W/slurm mem ctld_port slurmd_port deadline state=""
  mkdir -p "$S/state" "$S/spool"
  # A bit under the free memory: slurmd drains a node that has less than RealMemory.
  mem=$(awk '/^MemAvailable:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  # Slurm's usual ports, unless something (a real Slurm) holds them.
  ctld_port=$(_fnl_free_port 6817)
  slurmd_port=$(_fnl_free_port $((ctld_port + 1)))
  # cred_expire=10: a requeued task restarts after ~10 s, not 2 minutes (it only applies when
  # slurmctld starts with it). MailProg=/bin/true: silences "MailProg is invalid".
  cat >"$S/slurm.conf" <<EOF
ClusterName=funnel
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
MailProg=/bin/true
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem
PartitionName=debug Nodes=localhost Default=YES State=UP
EOF
  export SLURM_CONF=$S/slurm.conf
  # Foreground daemons (-D) in the background: $! is the daemon itself. Output goes to files so
  # that nothing holds the caller's stdout open (`./test.sh | tee` would hang).
  FUNNEL_SERVICES_DIR="$_fnl_W" slurmctld -D -i >"$S/slurmctld.out" 2>&1 </dev/null &
  _fnl_slurmctld_pid=$!
  disown "$_fnl_slurmctld_pid"  # no "Killed" job notice from the caller's shell at stop
  FUNNEL_SERVICES_DIR="$_fnl_W" slurmd -D -N localhost >"$S/slurmd.out" 2>&1 </dev/null &
  _fnl_slurmd_pid=$!
  disown "$_fnl_slurmd_pid"
  deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    _fnl_alive "$_fnl_slurmctld_pid" || break
    _fnl_alive "$_fnl_slurmd_pid" || break
    state=$(sinfo -h -o %T 2>/dev/null)
    [[ $state == idle ]] && break
    sleep 0.1
  done
  if [[ $state != idle ]]; then
    if ! _fnl_alive "$_fnl_slurmctld_pid"; then
      cat "$S/slurmctld.out" >>"$S/slurmctld.log" 2>/dev/null
      _fnl_fail Slurm "$S/slurmctld.log" "slurmctld exited"
    elif ! _fnl_alive "$_fnl_slurmd_pid"; then
      cat "$S/slurmd.out" >>"$S/slurmd.log" 2>/dev/null
      _fnl_fail Slurm "$S/slurmd.log" "slurmd exited"
    else
      _fnl_fail Slurm "$S/slurmd.log" "node not idle after 30 s (sinfo: '${state:-no answer}'); see also $S/slurmctld.log"
    fi
    unset SLURM_CONF
    return 1
  fi
  # A job end to end (munge credentials, slurmstepd); srun returns as soon as it is done.
  timeout 30 srun -N1 -n1 true >"$S/check.out" 2>&1 ||
    _fnl_say "warning: 'srun true' did not succeed within 30 s (see $S/check.out, $S/slurmd.log)"
  export FUNNEL_TEST_SLURM=1
  _fnl_say "Slurm $(sinfo -V | awk '{print $2}') one node, $(nproc) CPUs, ${mem} MB, ports $ctld_port/$slurmd_port (SLURM_CONF=$SLURM_CONF, logs $S/*.log)"
}

_fnl_slurm_stop() {
  # A throwaway cluster: no state to save, no job to end gracefully. scancel is slow (a job that
  # ignores SIGTERM gets SIGKILL only after KillWait, 30 s), and slurmd waits for running steps on
  # SIGTERM; so SIGKILL the job processes and their slurmstepd first, then stop the daemons.
  _fnl_kill_marked "$_fnl_W" jobs
  _fnl_stop_pid "$_fnl_slurmd_pid"
  _fnl_stop_pid "$_fnl_slurmctld_pid"
  _fnl_slurmd_pid="" _fnl_slurmctld_pid=""
}

# --- start / stop -------------------------------------------------------------------------------

funnel_services_start() {
  local - t0=$SECONDS
  set +eu -o pipefail
  if [[ -n $_fnl_W && -d $_fnl_W ]]; then
    _fnl_say "already started ($_fnl_W)"; return 0
  fi
  _fnl_failed=()
  _fnl_W=$(mktemp -d /tmp/funnel-services.XXXXXX) || { echo "services: mktemp failed" >&2; return 1; }
  echo "$$" >"$_fnl_W/owner.pid"
  _fnl_clean_stale_runs
  if _fnl_install_packages; then
    _fnl_netns_start
    _fnl_postgres_start
    _fnl_munge_start && _fnl_slurm_start
  fi
  if ((${#_fnl_failed[@]})); then
    if [[ ${CI:-} == true ]]; then
      echo "services: not available: ${_fnl_failed[*]}; with CI=true that is an error" >&2
      funnel_services_stop
      return 1
    fi
    echo "services: not available: ${_fnl_failed[*]} (the tests that need them will be skipped)" >&2
  fi
  _fnl_say "up in $((SECONDS - t0)) s (work dir $_fnl_W)"
  return 0
}

funnel_services_stop() {
  local -
  set +eu -o pipefail
  # Nothing started in this shell (or already stopped): touch nothing, not even the namespaces,
  # which may belong to a run in another shell.
  [[ -n $_fnl_W ]] || return 0
  _fnl_slurm_stop
  _fnl_postgres_stop
  _fnl_stop_pid "$_fnl_munged_pid"
  _fnl_munged_pid=""
  _fnl_netns_delete
  _fnl_netns_ok=""
  _fnl_kill_marked "$_fnl_W"  # whatever escaped the steps above
  rm -rf "$_fnl_W"
  [[ ${SLURM_CONF:-} == "$_fnl_W"/* ]] && unset SLURM_CONF
  unset FUNNEL_TEST_POSTGRES FUNNEL_TEST_POSTGRES_BRIDGE FUNNEL_TEST_NETNS FUNNEL_TEST_SLURM
  _fnl_W="" _fnl_pgbin="" _fnl_pg_port=""
  return 0
}

# --- executed rather than sourced ---------------------------------------------------------------

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in
    shell)
      shift
      trap funnel_services_stop EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      funnel_services_start || exit
      source "$(dirname "${BASH_SOURCE[0]}")/python-env.sh"
      funnel_python_env
      (($#)) || set -- "${SHELL:-bash}"
      "$@"
      exit
      ;;
    *)
      echo "usage: $0 shell [CMD ARGS...]   (start the test services, run CMD, stop them)" >&2
      echo "   or: source $0; funnel_services_start; ...; funnel_services_stop" >&2
      exit 2
      ;;
  esac
fi
