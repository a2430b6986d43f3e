package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/frontdesk/frontdesk/auth"
)

// AuthStore implements [auth.Store] on MongoDB. Documents have explicit
// field names (the *Doc types below), so renaming a Go field never changes
// the stored format.
type AuthStore struct {
	users, sessions, apiTokens, janusTokens, audit, throttle *mongo.Collection
}

var _ auth.Store = (*AuthStore)(nil)

// Auth returns the auth store kept in d.
func (d *DB) Auth() *AuthStore {
	return &AuthStore{
		users: d.coll(collUsers), sessions: d.coll(collSessions), apiTokens: d.coll(collAPITokens),
		janusTokens: d.coll(collJanusTokens), audit: d.coll(collAudit), throttle: d.coll(collThrottle),
	}
}

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	DisplayName  string    `bson:"display_name"`
	Role         string    `bson:"role"`
	PasswordHash string    `bson:"password_hash"`
	Disabled     bool      `bson:"disabled"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func (d userDoc) user() auth.User {
	return auth.User{ID: d.ID, Email: d.Email, DisplayName: d.DisplayName, Role: auth.Role(d.Role),
		PasswordHash: d.PasswordHash, Disabled: d.Disabled, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

type sessionDoc struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"user_id"`
	CreatedAt  time.Time `bson:"created_at"`
	LastSeenAt time.Time `bson:"last_seen_at"`
	ExpiresAt  time.Time `bson:"expires_at"`
	UserAgent  string    `bson:"user_agent"`
	Addr       string    `bson:"addr"`
}

type apiTokenDoc struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Name      string    `bson:"name"`
	Hash      []byte    `bson:"hash"`
	Scopes    []string  `bson:"scopes"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at,omitempty"`
	RevokedAt time.Time `bson:"revoked_at,omitempty"`
}

type janusTokenDoc struct {
	Token         string    `bson:"_id"`
	Instance      string    `bson:"instance"`
	CallID        string    `bson:"call_id"`
	ParticipantID string    `bson:"participant_id"`
	CreatedAt     time.Time `bson:"created_at"`
	ExpiresAt     time.Time `bson:"expires_at"`
}

type auditDoc struct {
	ID        string    `bson:"_id"`
	Time      time.Time `bson:"time"`
	Kind      string    `bson:"kind"`
	ActorID   string    `bson:"actor_id"`
	SubjectID string    `bson:"subject_id"`
	Addr      string    `bson:"addr"`
	Detail    string    `bson:"detail"`
}

type throttleDoc struct {
	Key       string    `bson:"_id"`
	N         int64     `bson:"n"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// authInsert stores doc; a duplicate key is auth.ErrConflict.
func authInsert(ctx context.Context, c *mongo.Collection, doc any) error {
	_, err := c.InsertOne(ctx, doc)
	if isDup(err) {
		return fmt.Errorf("%w: %w", auth.ErrConflict, err)
	}
	return err
}

// authFindOne decodes the document matching filter; none is
// auth.ErrNotFound.
func authFindOne(ctx context.Context, c *mongo.Collection, filter, v any) error {
	err := c.FindOne(ctx, filter).Decode(v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return auth.ErrNotFound
	}
	return err
}

// authDeleteOne deletes the document with id; none is auth.ErrNotFound.
func authDeleteOne(ctx context.Context, c *mongo.Collection, id string) error {
	res, err := c.DeleteOne(ctx, byID(id))
	if err == nil && res.DeletedCount == 0 {
		return auth.ErrNotFound
	}
	return err
}

// CreateUser implements [auth.Store]; the email is unique by index.
func (s *AuthStore) CreateUser(ctx context.Context, u auth.User) error {
	d := userDoc{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: string(u.Role),
		PasswordHash: u.PasswordHash, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if err := authInsert(ctx, s.users, d); err != nil {
		return fmt.Errorf("mongo: create user: %w", err)
	}
	return nil
}

// GetUser implements [auth.Store].
func (s *AuthStore) GetUser(ctx context.Context, id string) (auth.User, error) {
	var d userDoc
	if err := authFindOne(ctx, s.users, byID(id), &d); err != nil {
		return auth.User{}, fmt.Errorf("mongo: get user: %w", err)
	}
	return d.user(), nil
}

// GetUserByEmail implements [auth.Store].
func (s *AuthStore) GetUserByEmail(ctx context.Context, email string) (auth.User, error) {
	var d userDoc
	if err := authFindOne(ctx, s.users, bson.D{{Key: "email", Value: email}}, &d); err != nil {
		return auth.User{}, fmt.Errorf("mongo: get user by email: %w", err)
	}
	return d.user(), nil
}

// ListUsers implements [auth.Store].
func (s *AuthStore) ListUsers(ctx context.Context) ([]auth.User, error) {
	docs, err := findAll[userDoc](ctx, s.users, bson.D{}, options.Find().SetSort(bson.D{asc("email")}))
	if err != nil {
		return nil, fmt.Errorf("mongo: list users: %w", err)
	}
	out := make([]auth.User, len(docs))
	for i, d := range docs {
		out[i] = d.user()
	}
	return out, nil
}

// UpdateUser implements [auth.Store] with one FindOneAndUpdate ($set of the
// given fields).
func (s *AuthStore) UpdateUser(ctx context.Context, id string, upd auth.UserUpdate) (auth.User, error) {
	set := bson.D{{Key: "updated_at", Value: upd.UpdatedAt}}
	if upd.DisplayName != nil {
		set = append(set, bson.E{Key: "display_name", Value: *upd.DisplayName})
	}
	if upd.Role != nil {
		set = append(set, bson.E{Key: "role", Value: string(*upd.Role)})
	}
	if upd.PasswordHash != nil {
		set = append(set, bson.E{Key: "password_hash", Value: *upd.PasswordHash})
	}
	if upd.Disabled != nil {
		set = append(set, bson.E{Key: "disabled", Value: *upd.Disabled})
	}
	var d userDoc
	err := s.users.FindOneAndUpdate(ctx, byID(id), bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = auth.ErrNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("mongo: update user: %w", err)
	}
	return d.user(), nil
}

// DeleteUser implements [auth.Store].
func (s *AuthStore) DeleteUser(ctx context.Context, id string) error {
	if err := authDeleteOne(ctx, s.users, id); err != nil {
		return fmt.Errorf("mongo: delete user: %w", err)
	}
	return nil
}

// CreateSession implements [auth.Store].
func (s *AuthStore) CreateSession(ctx context.Context, sess auth.Session) error {
	d := sessionDoc(sess)
	if err := authInsert(ctx, s.sessions, d); err != nil {
		return fmt.Errorf("mongo: create session: %w", err)
	}
	return nil
}

// GetSession implements [auth.Store].
func (s *AuthStore) GetSession(ctx context.Context, id string) (auth.Session, error) {
	var d sessionDoc
	if err := authFindOne(ctx, s.sessions, byID(id), &d); err != nil {
		return auth.Session{}, fmt.Errorf("mongo: get session: %w", err)
	}
	return auth.Session(d), nil
}

// TouchSession implements [auth.Store].
func (s *AuthStore) TouchSession(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	res, err := s.sessions.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{
		{Key: "last_seen_at", Value: lastSeen}, {Key: "expires_at", Value: expiresAt}}}})
	if err == nil && res.MatchedCount == 0 {
		err = auth.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongo: touch session: %w", err)
	}
	return nil
}

// DeleteSession implements [auth.Store].
func (s *AuthStore) DeleteSession(ctx context.Context, id string) error {
	if err := authDeleteOne(ctx, s.sessions, id); err != nil {
		return fmt.Errorf("mongo: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements [auth.Store] with one DeleteMany.
func (s *AuthStore) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	res, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	if err != nil {
		return 0, fmt.Errorf("mongo: delete user sessions: %w", err)
	}
	return int(res.DeletedCount), nil
}

// CreateAPIToken implements [auth.Store].
func (s *AuthStore) CreateAPIToken(ctx context.Context, t auth.APIToken) error {
	d := apiTokenDoc(t)
	if err := authInsert(ctx, s.apiTokens, d); err != nil {
		return fmt.Errorf("mongo: create API token: %w", err)
	}
	return nil
}

// GetAPIToken implements [auth.Store].
func (s *AuthStore) GetAPIToken(ctx context.Context, id string) (auth.APIToken, error) {
	var d apiTokenDoc
	if err := authFindOne(ctx, s.apiTokens, byID(id), &d); err != nil {
		return auth.APIToken{}, fmt.Errorf("mongo: get API token: %w", err)
	}
	return auth.APIToken(d), nil
}

// ListAPITokens implements [auth.Store].
func (s *AuthStore) ListAPITokens(ctx context.Context, userID string) ([]auth.APIToken, error) {
	filter := bson.D{}
	if userID != "" {
		filter = bson.D{{Key: "user_id", Value: userID}}
	}
	docs, err := findAll[apiTokenDoc](ctx, s.apiTokens, filter, options.Find().SetSort(bson.D{asc("created_at"), asc("_id")}))
	if err != nil {
		return nil, fmt.Errorf("mongo: list API tokens: %w", err)
	}
	out := make([]auth.APIToken, len(docs))
	for i, d := range docs {
		out[i] = auth.APIToken(d)
	}
	return out, nil
}

// RevokeAPIToken implements [auth.Store]: revoked_at is set only when
// absent, so the first revocation time is kept.
func (s *AuthStore) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.apiTokens.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "revoked_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at}}}})
	if err != nil {
		return fmt.Errorf("mongo: revoke API token: %w", err)
	}
	if res.MatchedCount == 0 {
		n, err := s.apiTokens.CountDocuments(ctx, byID(id))
		if err != nil {
			return fmt.Errorf("mongo: revoke API token: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("mongo: revoke API token: %w", auth.ErrNotFound)
		}
	}
	return nil
}

// CreateJanusToken implements [auth.Store].
func (s *AuthStore) CreateJanusToken(ctx context.Context, t auth.JanusToken) error {
	if err := authInsert(ctx, s.janusTokens, janusTokenDoc(t)); err != nil {
		return fmt.Errorf("mongo: create Janus token record: %w", err)
	}
	return nil
}

// ListJanusTokens implements [auth.Store].
func (s *AuthStore) ListJanusTokens(ctx context.Context, f auth.JanusTokenFilter) ([]auth.JanusToken, error) {
	filter := bson.D{}
	if f.Instance != "" {
		filter = append(filter, bson.E{Key: "instance", Value: f.Instance})
	}
	if f.CallID != "" {
		filter = append(filter, bson.E{Key: "call_id", Value: f.CallID})
	}
	docs, err := findAll[janusTokenDoc](ctx, s.janusTokens, filter, options.Find().SetSort(bson.D{asc("created_at"), asc("_id")}))
	if err != nil {
		return nil, fmt.Errorf("mongo: list Janus token records: %w", err)
	}
	out := make([]auth.JanusToken, len(docs))
	for i, d := range docs {
		out[i] = auth.JanusToken(d)
	}
	return out, nil
}

// DeleteJanusToken implements [auth.Store].
func (s *AuthStore) DeleteJanusToken(ctx context.Context, token string) error {
	if err := authDeleteOne(ctx, s.janusTokens, token); err != nil {
		return fmt.Errorf("mongo: delete Janus token record: %w", err)
	}
	return nil
}

// AppendAudit implements [auth.Store].
func (s *AuthStore) AppendAudit(ctx context.Context, rec auth.AuditRecord) error {
	if err := authInsert(ctx, s.audit, auditDoc(rec)); err != nil {
		return fmt.Errorf("mongo: append audit: %w", err)
	}
	return nil
}

// ListAudit implements [auth.Store] with one query that selects what
// [auth.AuditFilter.Match] accepts (the contract test checks they agree).
func (s *AuthStore) ListAudit(ctx context.Context, f auth.AuditFilter) ([]auth.AuditRecord, error) {
	filter := bson.D{}
	tr := bson.D{}
	if !f.Since.IsZero() {
		tr = append(tr, bson.E{Key: "$gte", Value: f.Since})
	}
	if !f.Until.IsZero() {
		tr = append(tr, bson.E{Key: "$lt", Value: f.Until})
	}
	if len(tr) > 0 {
		filter = append(filter, bson.E{Key: "time", Value: tr})
	}
	if f.Kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: f.Kind})
	}
	if f.UserID != "" {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "actor_id", Value: f.UserID}}, bson.D{{Key: "subject_id", Value: f.UserID}}}})
	}
	opts := options.Find().SetSort(bson.D{desc("time"), desc("_id")})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	docs, err := findAll[auditDoc](ctx, s.audit, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: list audit: %w", err)
	}
	out := make([]auth.AuditRecord, len(docs))
	for i, d := range docs {
		out[i] = auth.AuditRecord(d)
	}
	return out, nil
}

// ThrottleHit implements [auth.Store]: one FindOneAndUpdate with $inc and
// upsert ($setOnInsert for the expiry). When two first hits race, MongoDB
// may answer one with a duplicate-key error; that hit is retried once, now
// as a plain increment of the existing counter.
func (s *AuthStore) ThrottleHit(ctx context.Context, key string, expiresAt time.Time) (int64, error) {
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: expiresAt}}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	var d throttleDoc
	err := s.throttle.FindOneAndUpdate(ctx, byID(key), update, opts).Decode(&d)
	if isDup(err) {
		err = s.throttle.FindOneAndUpdate(ctx, byID(key), update, opts).Decode(&d)
	}
	if err != nil {
		return 0, fmt.Errorf("mongo: throttle hit: %w", err)
	}
	return d.N, nil
}

// ThrottleCount implements [auth.Store].
func (s *AuthStore) ThrottleCount(ctx context.Context, key string) (int64, error) {
	var d throttleDoc
	err := s.throttle.FindOne(ctx, byID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mongo: throttle count: %w", err)
	}
	return d.N, nil
}

// ThrottleReset implements [auth.Store].
func (s *AuthStore) ThrottleReset(ctx context.Context, key string) error {
	if _, err := s.throttle.DeleteOne(ctx, byID(key)); err != nil {
		return fmt.Errorf("mongo: throttle reset: %w", err)
	}
	return nil
}

// DeleteExpired implements [auth.Store] with two DeleteMany calls.
func (s *AuthStore) DeleteExpired(ctx context.Context, now time.Time) error {
	notAfter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now}}}}
	if _, err := s.sessions.DeleteMany(ctx, notAfter); err != nil {
		return fmt.Errorf("mongo: delete expired sessions: %w", err)
	}
	if _, err := s.throttle.DeleteMany(ctx, notAfter); err != nil {
		return fmt.Errorf("mongo: delete expired throttle counters: %w", err)
	}
	return nil
}
