#!/bin/sh
# Renders the Janus configuration (janus-config templates) from the
# environment and the Docker secrets into a private directory, then runs
# Janus on it. Extra arguments go to janus.
set -eu
if [ -z "${JANUS_MODULES_DIR:-}" ]; then
	# Debian's multiarch path, e.g. /usr/lib/x86_64-linux-gnu/janus.
	for d in /usr/lib/*-linux-gnu*/janus; do
		[ -d "$d/plugins" ] && JANUS_MODULES_DIR=$d && break
	done
	export JANUS_MODULES_DIR
fi
conf=$(mktemp -d)/conf
render janus "$conf"
exec janus -F "$conf" -C "$conf/janus.jcfg" "$@"
