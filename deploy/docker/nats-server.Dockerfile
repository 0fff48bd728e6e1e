# nats-server v2.15.2 built from its Go module (go install, CGO_ENABLED=0):
# nothing can be pulled here, so the image is assembled FROM scratch by
# deploy/docker/build-images.sh (make images). JetStream stores under /data.
FROM scratch
ARG NATS_VERSION=2.15.2
LABEL org.opencontainers.image.title="nats-server" \
      org.opencontainers.image.description="NATS server with JetStream, built from github.com/nats-io/nats-server/v2" \
      org.opencontainers.image.version=$NATS_VERSION
COPY rootfs/ /
COPY --chown=65532:65532 data/ /data/
USER 65532:65532
VOLUME ["/data"]
EXPOSE 4222 6222 8222
ENTRYPOINT ["/usr/local/bin/nats-server"]
CMD ["--config", "/etc/nats/nats-server.conf"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 CMD ["/usr/local/bin/httpprobe", "http://127.0.0.1:8222/healthz"]
