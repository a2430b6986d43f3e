// Package mongo is Frontdesk's MongoDB store, for several Frontdesk replicas
// sharing one database (mongo-driver v2).
//
// [Open] connects, pings and creates the indexes it needs (idempotently, at
// every start). Every operation reads or writes one document; nothing uses
// multi-document transactions or change streams, so the store also runs on
// FerretDB (used by the tests through package mongotest). Atomicity comes
// from MongoDB's single-document guarantees:
//
//   - compare-and-set updates are ReplaceOne with the filter {_id, version};
//   - ClaimNext is one FindOneAndUpdate with filter and sort;
//   - uniqueness (queue slug, one live entry per caller, user email) is a
//     unique index, and a duplicate-key error becomes the domain's
//     ErrConflict;
//   - counters (entry Seq, login throttling) are $inc with upsert.
//
// Documents use the bson tags of package queue's structs; package auth's
// structs are mapped to documents with explicit field names here (auth.go).
package mongo
