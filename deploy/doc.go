// Package deploy generates the files that run the Outpost agent as a service:
// a supervisord program (Prefect's `agent local install` format) and a systemd unit.
// It only produces text; nothing here runs anything.
package deploy
