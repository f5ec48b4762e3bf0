#!/bin/bash -eu
# .clusterfuzzlite/build.sh — the same build as OSS-Fuzz's.
exec "$SRC/mqspec/fuzz/oss-fuzz/build.sh"
