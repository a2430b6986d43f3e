// Package deploy holds the Docker Compose deployment's files (Dockerfiles,
// entrypoints, coturn configuration; docker-compose.yml is at the
// repository root) and, in its tests, their validation: the Compose file is
// loaded and checked with compose-spec/compose-go, and the Dockerfiles are
// checked to build from files that exist. No Docker engine is needed.
package deploy
