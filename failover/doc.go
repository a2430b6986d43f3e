// Package failover moves the live calls off a Janus instance that was
// lost, restarted or is being evacuated: each call gets a new room on the
// instances that remain (queue.Engine.MoveCall), and its clients follow
// (docs/failover.md). Loss and restart move every call at once, a few at
// a time in parallel; evacuation is paced so the other instances are not
// flooded. Each replica of a cluster runs its own Failover; the engine's
// per-call claim makes each call move once.
package failover
