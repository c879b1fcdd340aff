#!/usr/bin/env bash
# Builds the image from docker/Dockerfile for real and runs the three-node topology of docker-compose.yml with podman
# (as root, on this machine only): one cluster forms, checked through each node's health endpoint; the image's
# HEALTHCHECK passes; a node killed with SIGKILL is reported CRASHED and, started again, rejoins; a node stopped
# with SIGTERM leaves (LEFT) and exits 0; then the same three nodes on the udp stack (docker-compose.udp.yml) form
# one cluster over the bridge's multicast, see a kill as CRASHED and a restart rejoin. Then everything it created is
# removed. Takes a few minutes (the first run longer: it installs podman and builds a Debian JRE base image). Not
# part of .ci/run.
#
# No registry is needed: the base image is built locally from Debian's packages
# (mmdebstrap --variant=apt --include=openjdk-17-jre-headless bookworm, then podman import), and the jar is built
# on the host (mvn -DskipTests package) and copied in (--build-arg JAR_FROM=prebuilt). The Dockerfile's Maven build
# stage is therefore not exercised here.
#
# Usage: bash docker/test-image.sh      (KEEP=1 leaves the containers running for a look; remove them with
#                                        bash docker/test-image.sh --down)
# The two images stay in podman's storage for the next run:
#   podman rmi localhost/distribute:local localhost/distribute-test-base:bookworm-jre17
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=distribute-test
NET=$PREFIX-net
SECRET=$PREFIX-cookie
BASE=localhost/$PREFIX-base:bookworm-jre17
IMAGE=localhost/distribute:local
WORK=$(pwd)/target/test-image
NODES=(node1 node2 node3)
export CONTAINERS_CONF=$WORK/containers.conf

log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }

down() {
  for n in "${NODES[@]}"; do podman rm -f -t 0 "$PREFIX-$n" >/dev/null 2>&1 || true; done
  podman network rm -f "$NET" >/dev/null 2>&1 || true
  podman secret rm "$SECRET" >/dev/null 2>&1 || true
}

mkdir -p "$WORK"
# This run's podman settings, without touching the machine's: no default ulimits (the sandbox refuses to raise
# them), runc as the runtime, netavark (which needs iptables) with its DNS (aardvark), so that containers find each
# other by name.
cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"

[network]
network_backend = "netavark"
CONF

if [ "${1:-}" = "--down" ]; then
  down
  exit 0
fi

need=()
for c in podman:podman runc:runc mmdebstrap:mmdebstrap netavark:netavark aardvark-dns:aardvark-dns iptables:iptables \
    mvn:maven curl:curl; do
  cmd=${c%%:*} pkg=${c##*:}
  if ! command -v "$cmd" >/dev/null && ! [ -x "/usr/lib/podman/$cmd" ]; then need+=("$pkg"); fi
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! podman image exists "$BASE"; then
  log "building the base image $BASE (Debian bookworm + openjdk-17-jre-headless)"
  mmdebstrap --quiet --variant=apt --include=openjdk-17-jre-headless,ca-certificates bookworm "$WORK/rootfs.tar"
  podman import --quiet "$WORK/rootfs.tar" "$BASE" >/dev/null
  rm -f "$WORK/rootfs.tar"
fi

if [ ! -f target/distribute-cli.jar ]; then
  log "building target/distribute-cli.jar"
  mvn -q -B -DskipTests package
fi

log "building $IMAGE from docker/Dockerfile"
# --format docker keeps HEALTHCHECK (the OCI format has no field for it).
podman build --quiet --format docker -f docker/Dockerfile --build-arg RUNTIME_IMAGE="$BASE" \
  --build-arg JAR_FROM=prebuilt -t "$IMAGE" . >/dev/null
podman image inspect "$IMAGE" --format 'image: user {{.Config.User}}, healthcheck {{.Config.Healthcheck.Test}}, entrypoint {{.Config.Entrypoint}}'

down
trap '[ "${KEEP:-}" = 1 ] || down' EXIT
podman network create "$NET" >/dev/null
# The cookie as compose's secret: a file at /run/secrets/cookie that the image's user (10001) can read.
(umask 077; podman run --rm "$IMAGE" cookie 2>>"$WORK/podman.log" | podman secret create "$SECRET" - >/dev/null)

start() { # start NODE [udp]: one container as docker-compose.yml's service NODE (tcp, the others as seeds), or as
         # docker-compose.udp.yml's (udp: IP multicast finds the members, no seeds)
  local n=$1 stack=${2:-tcp} seeds=() env=() i
  for m in "${NODES[@]}"; do [ "$m" = "$n" ] || seeds+=("$m@$m"); done
  if [ "$stack" = udp ]; then env=(-e DISTRIBUTE_STACK=udp); else env=(-e DISTRIBUTE_SEEDS="$(IFS=,; echo "${seeds[*]}")"); fi
  i=${n#node}
  # --health-interval=disable: no systemd timer runs the image's HEALTHCHECK here; this script runs it itself.
  # podman's own complaints (no systemd here for health check timers, no syslog) go to $WORK/podman.log.
  podman run -d --name "$PREFIX-$n" --hostname "$n" --network "$NET" --network-alias "$n" --health-interval=disable \
    --secret "$SECRET,target=cookie,uid=10001,gid=10001,mode=0400" \
    -e DISTRIBUTE_NAME="$n@$n" "${env[@]}" \
    -e DISTRIBUTE_PORT=7800 -e DISTRIBUTE_PORT_RANGE=1 -e DISTRIBUTE_FAILURE_DETECTION_TIMEOUT=2s \
    -p "127.0.0.1:808$i:8080/tcp" "$IMAGE" node --cookie-file /run/secrets/cookie >/dev/null 2>>"$WORK/podman.log"
}

size() { # size NODE: the cluster size NODE's endpoint reports, 0 if it does not answer
  curl -fsS --max-time 2 "http://127.0.0.1:808${1#node}/members" 2>/dev/null | sed -n 's/.*"size":\([0-9]*\).*/\1/p' || true
}

await() { # await SECONDS WHAT COMMAND...: runs COMMAND once a second until it succeeds, at most SECONDS times
  local limit=$1 what=$2 t0=$SECONDS i
  shift 2
  for ((i = 0; i < limit; i++)); do
    if "$@"; then log "$what after $((SECONDS - t0)) s"; return 0; fi
    sleep 1
  done
  log "FAILED: $what did not happen within $limit s"
  for n in "${NODES[@]}"; do echo "--- $n"; podman logs --tail 20 "$PREFIX-$n" 2>&1 || true; done
  echo "--- podman's stderr: $WORK/podman.log"
  exit 1
}

all_see() { local n; for n in "$@"; do [ "$(size "$n")" = "$#" ] || return 1; done; }
logged() { podman logs "$PREFIX-$1" 2>/dev/null | grep -q "$2"; }

t0=$SECONDS
for n in "${NODES[@]}"; do start "$n"; done
log "started ${NODES[*]}"
await 90 "one cluster of 3 (every endpoint's /members says size 3)" all_see node1 node2 node3
curl -fsS "http://127.0.0.1:8081/members"
await 60 "the image's HEALTHCHECK (distribute status) passing in node1" podman healthcheck run "$PREFIX-node1"

podman kill -s KILL "$PREFIX-node3" >/dev/null
log "kill -9 node3"
await 30 "node1 and node2 reporting node3 CRASHED" \
  sh -c "podman logs $PREFIX-node1 | grep -q 'NODE_DOWN  node3@node3  reason=CRASHED' && podman logs $PREFIX-node2 | grep -q 'NODE_DOWN  node3@node3  reason=CRASHED'"
podman start "$PREFIX-node3" >/dev/null 2>>"$WORK/podman.log"
log "node3 started again"
await 90 "node3 back in one cluster of 3" all_see node1 node2 node3

podman stop -t 10 "$PREFIX-node2" >/dev/null 2>>"$WORK/podman.log"
log "SIGTERM to node2: exit code $(podman inspect "$PREFIX-node2" --format '{{.State.ExitCode}}')"
await 10 "node1 reporting node2 LEFT" logged node1 'NODE_DOWN  node2@node2  reason=LEFT'
[ "$(podman inspect "$PREFIX-node2" --format '{{.State.ExitCode}}')" = 0 ] || { log "FAILED: node2 exit code"; exit 1; }
echo "--- node1's events"
podman logs "$PREFIX-node1" 2>/dev/null | grep -E 'STARTED|NODE_|STOPP' || true
log "tcp stack passed in $((SECONDS - t0)) s (containers only)"

# The udp topology (docker-compose.udp.yml): the bridge network must carry the stack's multicast between containers.
for n in "${NODES[@]}"; do podman rm -f -t 0 "$PREFIX-$n" >/dev/null 2>&1; done
t0=$SECONDS
for n in "${NODES[@]}"; do start "$n" udp; done
log "started ${NODES[*]} on the udp stack"
await 90 "one udp cluster of 3 (every endpoint's /members says size 3)" all_see node1 node2 node3
podman kill -s KILL "$PREFIX-node3" >/dev/null
log "kill -9 node3"
await 30 "node1 and node2 reporting node3 CRASHED" \
  sh -c "podman logs $PREFIX-node1 | grep -q 'NODE_DOWN  node3@node3  reason=CRASHED' && podman logs $PREFIX-node2 | grep -q 'NODE_DOWN  node3@node3  reason=CRASHED'"
podman start "$PREFIX-node3" >/dev/null 2>>"$WORK/podman.log"
await 90 "node3 back in one udp cluster of 3" all_see node1 node2 node3
log "udp stack passed in $((SECONDS - t0)) s (containers only)"
