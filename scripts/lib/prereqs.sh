# Build prerequisites shared by scripts/test and scripts/demo. Sourced, not run.
#
# The Spark Connect client compiles its protocol files with `protoc`, which Debian ships as
# protobuf-compiler. Everything else the crates need (gcc, make, perl, zlib for librdkafka) is on
# the machine already; we check and install only what is missing, so a warm machine pays nothing.

ensure_build_prereqs() {
    local missing=()
    command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
    command -v cc >/dev/null 2>&1 || missing+=(build-essential)
    [ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
    command -v perl >/dev/null 2>&1 || missing+=(perl)
    command -v cargo >/dev/null 2>&1 || {
        echo "cargo is not installed; install Rust (https://rustup.rs) and run this again" >&2
        return 1
    }
    if [ ${#missing[@]} -eq 0 ]; then
        echo "    build prerequisites present"
        return 0
    fi
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
        echo "missing packages: ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
        return 1
    fi
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "    installing ${missing[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
