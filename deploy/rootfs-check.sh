#!/usr/bin/env bash
# Our machines have no Docker engine, so this assembles the same final root filesystem that
# Dockerfile.aot's last stage holds, from a local AOT publish: the binary plus exactly the
# shared libraries it maps at run time (read from /proc/PID/maps after a real request, which
# catches OpenSSL's libcrypto/libssl, loaded by dlopen and invisible to ldd). It then runs the
# binary inside that tree alone (chroot + new mount, PID and network namespaces, non-root uid
# 1654, nothing else present), proves a request -> verify round trip, and prints the gzip size.
#
#   deploy/rootfs-check.sh PATH/TO/otpfast
set -euo pipefail
BIN=$(readlink -f "${1:?usage: rootfs-check.sh PATH/TO/otpfast}")
WORK=$(mktemp -d /tmp/otpfast-rootfs.XXXXXX)
PROBE_PID=""
cleanup() { [ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
ROOTFS="$WORK/rootfs"

# 1. Which shared objects does the binary really load? Run it on the host and serve one request.
PORT=$(( 20000 + RANDOM % 20000 ))
KEY=$("$BIN" accounts add probe --data-dir "$WORK/probe-data" | tail -n 1)
"$BIN" --data-dir "$WORK/probe-data" --urls "http://127.0.0.1:$PORT" >"$WORK/probe.log" 2>&1 &
PROBE_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$PORT/v4/requestOneTimeCode" -d "{\"apiKey\":\"$KEY\",\"tokenCreator\":\"p\"}" >/dev/null
mapfile -t LIBS < <(awk '$6 ~ /\.so/ { print $6 }' "/proc/$PROBE_PID/maps" | sort -u)
kill "$PROBE_PID"; wait "$PROBE_PID" 2>/dev/null || true; PROBE_PID=""

# 2. The root filesystem: the binary, those libraries (with the symlink names they were opened by), a data dir.
mkdir -p "$ROOTFS/app" "$ROOTFS/data" "$ROOTFS/tmp"
cp "$BIN" "$ROOTFS/app/otpfast"
for lib in "${LIBS[@]}"; do
  mkdir -p "$ROOTFS$(dirname "$lib")"
  cp -L "$lib" "$ROOTFS$lib"
done
# The loader is found by the path compiled into the binary (PT_INTERP), which may be a symlink.
INTERP=$(readelf -l "$BIN" | awk -F': ' '/interpreter/ { gsub(/]/, "", $2); print $2 }')
if [ ! -e "$ROOTFS$INTERP" ]; then mkdir -p "$ROOTFS$(dirname "$INTERP")"; cp -L "$INTERP" "$ROOTFS$INTERP"; fi
# libssl/libcrypto are dlopen'ed by soname (libssl.so.3); make sure that name exists beside the real file.
for lib in "${LIBS[@]}"; do
  base=$(basename "$lib")
  soname=$(readelf -d "$lib" 2>/dev/null | awk -F'[][]' '/SONAME/ { print $2 }')
  if [ -n "$soname" ] && [ "$soname" != "$base" ]; then ln -sf "$base" "$ROOTFS$(dirname "$lib")/$soname"; fi
done
chown -R 1654:1654 "$ROOTFS/data"
chmod 1777 "$ROOTFS/tmp"
echo "rootfs: $(find "$ROOTFS" -type f | wc -l) files:"
(cd "$ROOTFS" && find . -type f -printf '  %P %s\n' | sort)

# 3. Run it isolated: only the rootfs is visible, own PID and network namespaces (loopback only).
# Like a container runtime, give the tree /proc and the few /dev nodes every container gets
# (the runtime draws Guid and CSPRNG seeds from /dev/urandom); they are mounts, not part of the image.
cat >"$WORK/inside.sh" <<INSIDE
set -euo pipefail
ip link set lo up
mount --make-rprivate /
mkdir -p "$ROOTFS/proc" "$ROOTFS/dev"
mount -t proc proc "$ROOTFS/proc"
mount -t tmpfs -o mode=755,size=64k tmpfs "$ROOTFS/dev"
for node in null zero random urandom; do touch "$ROOTFS/dev/\$node"; mount --bind "/dev/\$node" "$ROOTFS/dev/\$node"; done
KEY=\$(chroot --userspec=1654:1654 "$ROOTFS" /app/otpfast accounts add box --data-dir /data | tail -n 1)
chroot --userspec=1654:1654 "$ROOTFS" /app/otpfast --data-dir /data --urls http://127.0.0.1:8080 >"$WORK/box.log" 2>&1 &
for _ in \$(seq 1 100); do chroot --userspec=1654:1654 "$ROOTFS" /app/otpfast health --url http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break; sleep 0.05; done
REQ=\$(curl -s http://127.0.0.1:8080/v4/requestOneTimeCode -d "{\"apiKey\":\"\$KEY\",\"tokenCreator\":\"box@example.com\",\"codeLength\":6,\"expiry\":60}")
TOKEN=\$(jq -r .token <<<"\$REQ"); OTP=\$(jq -r .OTP <<<"\$REQ")
VER=\$(curl -s http://127.0.0.1:8080/v4/verifyOneTimeCode -d "{\"apiKey\":\"\$KEY\",\"token\":\"\$TOKEN\",\"otp\":\"\$OTP\"}")
echo "inside: request -> \$REQ"
echo "inside: verify  -> \$VER"
jq -e '.verify == "true"' <<<"\$VER" >/dev/null
INSIDE
unshare --mount --pid --net --fork bash ${ROOTFS_DEBUG:+-x} "$WORK/inside.sh" || { echo "rootfs round trip: FAIL"; cat "$WORK/box.log" 2>/dev/null; exit 1; }
echo "rootfs round trip: PASS"

SIZE=$(tar -C "$ROOTFS" --numeric-owner -cf - . | gzip -9 | wc -c)
awk -v s="$SIZE" 'BEGIN { printf "rootfs gzip size: %d bytes (%.1f MB; goal <= 15 MB)\n", s, s / 1000000 }'
