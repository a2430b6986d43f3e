// Package cluster connects Frontdesk replicas over NATS: an embedded NATS
// server that forms a cluster with the other replicas' servers by routes
// ([StartServer]), and [Feed], the queue's event feed (queue.Feed) carried
// on NATS subjects so that every replica's live updates see every
// replica's events. The store stays the source of truth: events are
// invalidations, and a feed that may have lost some tells its subscribers
// to resynchronise (queue.EventResync).
package cluster
