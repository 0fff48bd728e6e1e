# newsflow: the command line tool, and `newsflow up`, the whole pipeline in one
# container (embedded NATS, the three stages, the index, the API on :8080).
# Built FROM scratch by deploy/docker/build-images.sh (make images).
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="newsflow" \
      org.opencontainers.image.description="newsflow command line tool and single-process pipeline" \
      org.opencontainers.image.source="https://github.com/newsflow/newsflow" \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.revision=$REVISION
COPY rootfs/ /
COPY --chown=65532:65532 var/ /var/
USER 65532:65532
WORKDIR /var/lib/newsflow
# newsflow commands run in the container (docker exec) find up's NATS
# credentials here, under credentials/.
ENV NEWSFLOW_DATA=/var/lib/newsflow
VOLUME ["/var/lib/newsflow"]
EXPOSE 8080 4222
ENTRYPOINT ["/usr/local/bin/newsflow"]
CMD ["up", "--data", "/var/lib/newsflow", "--http", ":8080", "--nats", "0.0.0.0:4222", "--log-format", "json"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/httpprobe", "http://127.0.0.1:8080/healthz"]
