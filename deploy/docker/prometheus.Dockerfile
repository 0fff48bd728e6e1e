# Prometheus from Debian's package: /usr/bin/prometheus is linked to libc
# only, so the binary, the libraries `ldd` names and a default configuration
# make a FROM scratch image (deploy/docker/build-images.sh, make images).
FROM scratch
ARG PROMETHEUS_VERSION=unknown
LABEL org.opencontainers.image.title="prometheus" \
      org.opencontainers.image.description="Prometheus from Debian's package, on scratch" \
      org.opencontainers.image.version=$PROMETHEUS_VERSION
COPY rootfs/ /
COPY --chown=65534:65534 prometheus/ /prometheus/
USER 65534:65534
WORKDIR /prometheus
VOLUME ["/prometheus"]
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.enable-lifecycle"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/usr/local/bin/httpprobe", "http://127.0.0.1:9090/-/ready"]
