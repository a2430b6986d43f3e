#!/bin/sh
# Builds coturn's configuration from deploy/coturn/turnserver.conf plus the
# shared secret (Docker secret, TURN_SHARED_SECRET_FILE), the realm and the
# public address, in a private temporary file, then runs turnserver.
set -eu
secret_file=${TURN_SHARED_SECRET_FILE:-/run/secrets/turn_shared_secret}
if [ ! -s "$secret_file" ]; then
	echo "coturn-entrypoint: no shared secret in $secret_file" >&2
	exit 1
fi
umask 077
conf=$(mktemp)
{
	cat /etc/coturn/frontdesk-turnserver.conf
	printf 'realm=%s\n' "${TURN_REALM:-frontdesk}"
	if [ -n "${TURN_EXTERNAL_IP:-}" ]; then
		printf 'external-ip=%s\n' "$TURN_EXTERNAL_IP"
	fi
	printf 'static-auth-secret=%s\n' "$(cat "$secret_file")"
} > "$conf"
exec turnserver -c "$conf" "$@"
