#!/bin/sh
# Renders Frontdesk's configuration file from the environment and the Docker
# secrets (see deploy/render), then runs frontdesk with the given arguments.
set -eu
render frontdesk-config "$FRONTDESK_CONFIG"
exec frontdesk "$@"
