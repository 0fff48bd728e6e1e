# newsflow ingest: validates and normalises submitted articles, gives each a stable id (serves POST /v1/articles).
# Built FROM scratch by deploy/docker/build-images.sh (make images): a static
# binary with CA roots and time zone data compiled in, run as a non-root user.
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="newsflow-ingest" \
      org.opencontainers.image.description="newsflow ingest stage" \
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
ENTRYPOINT ["/usr/local/bin/ingest"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["/usr/local/bin/ingest", "healthcheck"]
