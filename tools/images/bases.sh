# Sourced by tools/images/images.sh: decides which base images the build uses and sets BASE_ARGS.
# The Dockerfile pins registry bases (node, debian, golang). When one is neither on this engine nor pullable, a
# local stand-in is made from Debian packages, reproducibly: debootstrap --variant=minbase of bookworm from the
# mirror apt already uses, plus this machine's extra CA certificates, imported with `docker import`; the Node
# stand-in adds the host's Node toolchain (Debian's nodejs is 18, and estrena needs >= 20.19).

pinned() { sed -nE "s/^ARG $1=(.*)$/\1/p" docker/Dockerfile | head -n 1; }

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# A pull that the network refuses or never answers: 25 s is plenty for a registry that works.
try_pull() {
  have_image "$1" && return 0
  say "pulling $1"
  timeout 25 "$DOCKER" pull -q "$1" >/dev/null 2>&1
}

# The Debian mirror apt uses on this machine (deb822 .sources or one-line .list), deb.debian.org otherwise.
apt_mirror() {
  local m
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -nE 's/^URIs: *([^ ]+).*/\1/p' | grep -v security | head -n 1)
  [[ -n $m ]] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -nE 's/^deb +(\[[^]]*\] +)?([^ ]+) +bookworm .*/\2/p' | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}

DEBIAN_STANDIN=dev.local/estrena/debian:12-bookworm-minbase
make_debian_standin() {
  have_image "$DEBIAN_STANDIN" && { say "stand-in base $DEBIAN_STANDIN present"; return 0; }
  apt_install debootstrap
  local mirror rootfs start=$SECONDS
  mirror=$(apt_mirror)
  rootfs=$(mktemp -d "$STATE/images/rootfs.XXXXXX")
  say "making the stand-in $DEBIAN_STANDIN: debootstrap --variant=minbase bookworm from $mirror (about 2 minutes)"
  if ! debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$STATE/images/debootstrap.log" 2>&1; then
    tail -n 20 "$STATE/images/debootstrap.log" >&2
    rm -rf "$rootfs"
    die "debootstrap failed (log: $STATE/images/debootstrap.log)"
  fi
  # The extra CA certificates this machine trusts (update-ca-certificates added them on the host): containers
  # reach the package registries through the same TLS-inspecting path as the host does.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    "$mirror" "$mirror" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$rootfs" -c . | "$DOCKER" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' - "$DEBIAN_STANDIN" >/dev/null
  rm -rf "$rootfs"
  say "stand-in $DEBIAN_STANDIN made in $((SECONDS - start))s"
}

# The host's Node toolchain on the Debian stand-in, laid out as the official node image does.
make_node_standin() {
  local node npmdir ver ctx
  node=$(readlink -f "$(command -v node)")
  ver=$(node -p 'process.versions.node')
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "the host's Node is $ver; the Node stand-in needs >= 20.19"
  NODE_STANDIN="dev.local/estrena/node:$ver-bookworm-host"
  have_image "$NODE_STANDIN" && { say "stand-in base $NODE_STANDIN present"; return 0; }
  npmdir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [[ -f $npmdir/package.json ]] || die "cannot find npm's folder next to $(command -v npm)"
  ctx=$(mktemp -d "$STATE/images/node.XXXXXX")
  cp "$node" "$ctx/node"
  cp -r "$npmdir" "$ctx/npm"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_STANDIN
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
# npm inside builds trusts the same CA certificates as the system (the stand-in carries the host's extra ones).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
DOCKERFILE
  say "making the stand-in $NODE_STANDIN from the host's Node $ver and npm $(npm --version)"
  "$DOCKER" build -q -t "$NODE_STANDIN" "$ctx" >/dev/null || die "building $NODE_STANDIN failed"
  rm -rf "$ctx"
}

# The MinIO server scripts/install.sh built (npm start uses it) as an image holding /out/minio, so the minio
# target copies it instead of compiling MinIO for 8 minutes.
make_minio_binary() {
  local bin="${ESTRENA_MINIO_BIN:-$STATE/bin/minio}" sum dir
  [[ -x $bin ]] || die "$bin is missing: run bash scripts/install.sh first (it builds the MinIO server once)"
  sum=$(sha256sum "$bin" | cut -c1-12)
  MINIO_BINARY="dev.local/estrena/minio-binary:$sum"
  have_image "$MINIO_BINARY" && return 0
  dir=$(mktemp -d "$STATE/images/minio.XXXXXX")
  mkdir -p "$dir/out"
  cp "$bin" "$dir/out/minio"
  tar --numeric-owner --owner=0 --group=0 -C "$dir" -c out | "$DOCKER" import - "$MINIO_BINARY" >/dev/null
  rm -rf "$dir"
  say "MinIO binary from $bin ($(cat "$bin.version" 2>/dev/null || echo 'version unknown')) -> $MINIO_BINARY"
}

ensure_bases() {
  local node_image debian_image
  node_image=$(pinned NODE_IMAGE)
  debian_image=$(pinned DEBIAN_IMAGE)
  BASE_ARGS=()
  # A stand-in made on an earlier run is used again without asking the registry, so a rebuild takes seconds
  # (remove it with `docker rmi` to try the registry again).
  if have_image "$debian_image" || { ! have_image "$DEBIAN_STANDIN" && try_pull "$debian_image"; }; then
    say "base $debian_image available"
  else
    if have_image "$DEBIAN_STANDIN"; then
      say "using the local stand-in for $debian_image made earlier (docker rmi $DEBIAN_STANDIN to try the registry again)"
    else
      say "cannot pull $debian_image: making a local stand-in from Debian packages"
    fi
    make_debian_standin
    debian_image=$DEBIAN_STANDIN
  fi
  if have_image "$node_image" || { ! have_image "$DEBIAN_STANDIN" && try_pull "$node_image"; }; then
    say "base $node_image available"
  else
    say "$node_image not here: using a local stand-in (Debian bookworm + this host's Node toolchain)"
    [[ $debian_image == "$DEBIAN_STANDIN" ]] || make_debian_standin
    make_node_standin
    node_image=$NODE_STANDIN
  fi
  make_minio_binary
  BASE_ARGS=(--build-arg "NODE_IMAGE=$node_image" --build-arg "DEBIAN_IMAGE=$debian_image" --build-arg "MINIO_BINARY_IMAGE=$MINIO_BINARY")
}
