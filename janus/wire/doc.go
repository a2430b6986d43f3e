// Package wire is the Janus API's vocabulary on the wire, shared by the
// Janus client (package janus), the built-in SFU that speaks the same API
// (package sfu) and the browser proxy's policy (package proxy): the core
// error codes of src/apierror.h with Janus's reasons, the error reply,
// JSEP and trickled candidates, plugin data, and the reply and event
// envelope with its decoder (Janus docs, mainpage.dox, "The Janus API").
package wire
