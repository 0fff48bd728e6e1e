# newsflow poller: polls the feeds and sitemaps of `newsflow sources` and publishes their new items onto articles.raw.<source>.
# Built FROM scratch by deploy/docker/build-images.sh (make images): a static
# binary with CA roots and time zone data compiled in, run as a non-root user.
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="newsflow-poller" \
      org.opencontainers.image.description="newsflow feed and sitemap poller" \
      org.opencontainers.image.source="https://github.com/newsflow/newsflow" \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.revision=$REVISION
COPY rootfs/ /
COPY --chown=65532:65532 var/ /var/
USER 65532:65532
WORKDIR /var/lib/newsflow
ENV NEWSFLOW_HTTP=:8080 \
    NEWSFLOW_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/poller"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["/usr/local/bin/poller", "healthcheck"]
