package auth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/frontdesk/frontdesk/ratelimit"
)

// Defaults for the optional settings of [New].
const (
	// DefaultSessionTTL is the idle timeout of a browser session: the
	// session JWT's lifetime, renewed (sliding) while the user is active.
	DefaultSessionTTL = 30 * time.Minute
	// DefaultSessionMaxAge is the absolute lifetime of a browser session
	// after login, whatever the activity.
	DefaultSessionMaxAge = 12 * time.Hour
	// DefaultTicketTTL is the lifetime of a call ticket.
	DefaultTicketTTL = 2 * time.Minute
	// DefaultGuestTTL is the lifetime of a guest caller identity.
	DefaultGuestTTL = 24 * time.Hour
	// DefaultThrottleWindow is the fixed window of the login throttle.
	DefaultThrottleWindow = 15 * time.Minute
	// DefaultAccountLimit is the number of failed logins for one account
	// within a window after which further attempts are refused (429).
	DefaultAccountLimit = 5
	// DefaultAddrLimit is the number of failed logins from one client
	// address within a window after which further attempts are refused.
	DefaultAddrLimit = 20
)

// Service is the entry point of package auth: accounts, logins, sessions,
// API tokens, guests and call tickets, on top of a [Store] and a [KeyRing].
// It is safe for concurrent use and starts no goroutines.
type Service struct {
	store Store
	keys  *KeyRing
	log   *slog.Logger
	// ctxLog, when set, returns the per-request logger of a context.
	ctxLog func(context.Context) *slog.Logger
	now    func() time.Time
	argon  Argon2Params

	secureCookies  bool
	signup         bool
	sessionTTL     time.Duration
	sessionMaxAge  time.Duration
	ticketTTL      time.Duration
	guestTTL       time.Duration
	throttleWindow time.Duration
	acctLimit      int64
	addrLimit      int64
	origins        *OriginChecker
	signups        *ratelimit.Keyed // account signups per client address
	guests         *ratelimit.Keyed // new guests per client address

	dummyHash string // verified when the account does not exist, to equalise timing
}

// Option sets an optional setting of [New].
type Option func(*Service)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithContextLogger sets a function returning the logger of a request
// context (e.g. server.Logger, which adds request_id); auth's request-time
// log lines then carry the request's attributes. Without it, the
// [WithLogger] logger is used.
func WithContextLogger(f func(context.Context) *slog.Logger) Option {
	return func(s *Service) { s.ctxLog = f }
}

// logFor returns the logger for ctx.
func (s *Service) logFor(ctx context.Context) *slog.Logger {
	if s.ctxLog != nil {
		if l := s.ctxLog(ctx); l != nil {
			return l
		}
	}
	return s.log
}

// WithClock sets the time source (default time.Now); for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithArgon2Params sets the argon2id cost for new hashes (default
// [DefaultArgon2Params]). Existing hashes keep verifying with their own
// parameters and are re-hashed at the next successful login.
func WithArgon2Params(p Argon2Params) Option { return func(s *Service) { s.argon = p } }

// WithSecureCookies sets the Secure attribute of the cookies (default true;
// turn off only for local plain-http development).
func WithSecureCookies(on bool) Option { return func(s *Service) { s.secureCookies = on } }

// WithSignup enables self-service signup (default off). Signup always
// creates callers.
func WithSignup(on bool) Option { return func(s *Service) { s.signup = on } }

// WithSessionTTL sets the idle timeout of browser sessions (default
// [DefaultSessionTTL]).
func WithSessionTTL(d time.Duration) Option { return func(s *Service) { s.sessionTTL = d } }

// WithSessionMaxAge sets the absolute session lifetime (default
// [DefaultSessionMaxAge]).
func WithSessionMaxAge(d time.Duration) Option { return func(s *Service) { s.sessionMaxAge = d } }

// WithTicketTTL sets the call ticket lifetime (default [DefaultTicketTTL]).
func WithTicketTTL(d time.Duration) Option { return func(s *Service) { s.ticketTTL = d } }

// WithGuestTTL sets the guest identity lifetime (default [DefaultGuestTTL]).
func WithGuestTTL(d time.Duration) Option { return func(s *Service) { s.guestTTL = d } }

// WithLoginThrottle sets the login throttle: at most perAccount failures for
// one email and perAddr failures from one client address per window
// (defaults [DefaultAccountLimit], [DefaultAddrLimit],
// [DefaultThrottleWindow]).
func WithLoginThrottle(perAccount, perAddr int, window time.Duration) Option {
	return func(s *Service) {
		s.acctLimit, s.addrLimit, s.throttleWindow = int64(perAccount), int64(perAddr), window
	}
}

// Default per-address creation limits (see [WithCreateRates]): five
// signups and twenty new guests a minute on average, in bursts of the same
// size.
const (
	DefaultSignupsPerMinute = 5
	DefaultGuestsPerMinute  = 20
)

// WithCreateRates limits how many accounts (signup) and guest identities
// one client address (an IPv4 address or an IPv6 /64) may create a minute,
// on average and in bursts of the same size; 0 turns a limit off. Over it,
// signup and guest answer 429 with Retry-After. Defaults
// [DefaultSignupsPerMinute], [DefaultGuestsPerMinute].
func WithCreateRates(signupsPerMinute, guestsPerMinute int) Option {
	return func(s *Service) {
		s.signups = ratelimit.PerMinute(signupsPerMinute, signupsPerMinute)
		s.guests = ratelimit.PerMinute(guestsPerMinute, guestsPerMinute)
	}
}

// WithAllowedOrigins sets the browser origins (e.g.
// "https://desk.example.com") allowed to open WebSockets and to send
// unauthenticated state-changing requests (login, signup); see
// [OriginChecker]. Default: none configured, which allows only same-host
// origins.
func WithAllowedOrigins(origins ...string) Option {
	return func(s *Service) { s.origins = NewOriginChecker(origins...) }
}

// New returns a Service over st, signing with keys.
func New(st Store, keys *KeyRing, opts ...Option) (*Service, error) {
	if st == nil || keys == nil {
		return nil, fmt.Errorf("auth: New needs a store and a key ring: %w", ErrInvalidInput)
	}
	s := &Service{
		store: st, keys: keys, log: slog.Default(), now: time.Now, argon: DefaultArgon2Params,
		secureCookies: true, sessionTTL: DefaultSessionTTL, sessionMaxAge: DefaultSessionMaxAge,
		ticketTTL: DefaultTicketTTL, guestTTL: DefaultGuestTTL, throttleWindow: DefaultThrottleWindow,
		acctLimit: DefaultAccountLimit, addrLimit: DefaultAddrLimit, origins: NewOriginChecker(),
		signups: ratelimit.PerMinute(DefaultSignupsPerMinute, DefaultSignupsPerMinute),
		guests:  ratelimit.PerMinute(DefaultGuestsPerMinute, DefaultGuestsPerMinute),
	}
	for _, o := range opts {
		o(s)
	}
	if s.sessionTTL <= 0 || s.sessionMaxAge < s.sessionTTL || s.ticketTTL <= 0 || s.guestTTL <= 0 ||
		s.throttleWindow <= 0 || s.acctLimit <= 0 || s.addrLimit <= 0 {
		return nil, fmt.Errorf("auth: New: non-positive duration or limit: %w", ErrInvalidInput)
	}
	dummy, err := HashPassword("frontdesk dummy password", s.argon)
	if err != nil {
		return nil, err
	}
	s.dummyHash = dummy
	return s, nil
}

// Origins returns the Origin checker configured with [WithAllowedOrigins],
// for WebSocket upgraders (see [OriginChecker.Check]).
func (s *Service) Origins() *OriginChecker { return s.origins }

// Store returns the store the service uses.
func (s *Service) Store() Store { return s.store }

// nowMS returns the current time in UTC truncated to the millisecond, the
// precision every Store keeps.
func (s *Service) nowMS() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Sweep removes expired sessions and throttle counters from the store. Call
// it periodically (e.g. every few minutes) from a loop the binary owns.
func (s *Service) Sweep(ctx context.Context) error {
	if err := s.store.DeleteExpired(ctx, s.nowMS()); err != nil {
		return fmt.Errorf("auth: sweep: %w", err)
	}
	return nil
}

// RunSweeper calls [Service.Sweep] every interval until ctx is done, then
// returns ctx's error. The caller owns the goroutine (cancel ctx, then wait
// for it). Errors are logged.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("auth: sweep interval %v: %w", interval, ErrInvalidInput)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.logFor(ctx).ErrorContext(ctx, "auth sweep failed", "err", err)
			}
		}
	}
}
