# Outpost as a container image: the static binary, a home for a non-root user, nothing
# else. The binary is built outside, so that the build needs no registry and no Go image:
#
#   make image              # = CGO_ENABLED=0 go build -o bin/outpost . && docker build -t outpost .
#
# Two images come from this file:
#
#   - the default target, Outpost itself: `docker run outpost server start`,
#     `docker run outpost agent docker start ...` (the entrypoint is outpost);
#   - `--target run`, an image for flow runs: outpost on the PATH and no entrypoint, since
#     the Docker agent gives a run's container its whole command (`outpost execute
#     flow-run` for a native flow), which an entrypoint would receive as arguments.
#
# BASE is the image to build on. scratch (the default) gives the smallest image, with no
# shell; Outpost needs none. Flow runs whose commands need a shell or other tools take a
# base that has them, from a registry or built locally:
#
#   docker build --target run --build-arg BASE=busybox:1.36 -t outpost-run .
#
# Only what the classic builder understands is used, so it builds with or without BuildKit.
ARG BASE=scratch

# scratch has no shell to mkdir with: this stage makes the home directory, and the copy
# below gives it to the image's user. The classic builder keeps the stage as an untagged
# image; its label lets `docker image prune --filter label=io.outpost.build-stage` find it.
FROM scratch AS home
LABEL io.outpost.build-stage="home"
WORKDIR /home/outpost/.prefect

FROM ${BASE} AS run
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="outpost" \
      org.opencontainers.image.description="Agent daemon and embedded backend for Prefect 1.x flow runs" \
      org.opencontainers.image.source="https://github.com/outposthq/outpost" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# ~/.prefect belongs to the user, so that a named volume mounted there starts out
# writable by it: the engine copies the ownership of the image's directory into a new
# volume. The server keeps its database, auth.toml and secret key there.
COPY --from=home --chown=65532:65532 /home/outpost /home/outpost
# On the default PATH, where a run's `outpost execute flow-run` finds it.
COPY bin/outpost /usr/local/bin/outpost
ENV HOME=/home/outpost

# An unprivileged user by number (scratch has no /etc/passwd). The Docker agent needs
# the engine's socket: give its container the socket's group (compose: group_add)
# rather than running it as root.
USER 65532:65532
WORKDIR /home/outpost
# An entrypoint of the base would receive the run's command as its arguments.
ENTRYPOINT []

FROM run
EXPOSE 4200
ENTRYPOINT ["/usr/local/bin/outpost"]
