// Package container holds the tests of Outpost's container image (the Dockerfile at the
// root of the module) and of the compose deployment in deploy/docker-compose.yml. They
// run against this machine's Docker engine and compose, with images built locally FROM
// scratch from static binaries: nothing is pulled, nothing needs a registry. The
// package has no code of its own.
package container
