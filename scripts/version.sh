#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints svcinit's version. The release number is in VERSION; in svcinit's
# own git tree `git describe` says where the build is from: a tag vX.Y.Z
# wins, else VERSION-gHASH, with -dirty for uncommitted changes. A tree that
# is not a git checkout of svcinit (a release tarball, a .deb build) prints
# VERSION as it is (make dist writes the full version there).
cd "$(dirname "$0")/.." || exit 1
base=$(cat VERSION 2>/dev/null) || base=0.0.0
top=$(git rev-parse --show-toplevel 2>/dev/null) || top=
if [ "$top" != "$(pwd -P)" ]; then
	echo "$base"
	exit 0
fi
v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null) && { echo "${v#v}"; exit 0; }
h=$(git rev-parse --short HEAD 2>/dev/null) || { echo "$base"; exit 0; }
if git diff-index --quiet HEAD -- 2>/dev/null; then
	echo "$base-g$h"
else
	echo "$base-g$h-dirty"
fi
