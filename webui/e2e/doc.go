// Package e2e holds the end-to-end browser tests of the web UI: a whole
// Frontdesk in-process, the web UI mounted on it, and headless Chromium
// (Debian's chromium, fake camera and microphone) driven with chromedp
// as a host and a caller in separate browser contexts. The package has
// no non-test code.
package e2e
