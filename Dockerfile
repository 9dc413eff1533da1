# SPDX-License-Identifier: MIT
# navixy2mqtt container image, multi-stage on Debian 12 slim.
#
#   docker build -t navixy2mqtt .                  # the bridge (target "runtime")
#   docker build --target sim -t navixy-sim .      # the Navixy simulator, for the demo
#
# Stages:
#   build         compilers and -dev packages; builds, installs into /staging
#                 (the simulator into /staging-sim)
#   runtime-base  only the shared libraries the binaries load, a non-root user
#   sim           the simulator (docker-compose.yml runs it under the "demo" profile)
#   runtime       the bridge (last, so a plain `docker build` makes it)
#
# Configuration: mount a config file at /etc/navixy2mqtt/navixy2mqtt.conf
# (NAVIXY2MQTT_CONFIG points there) and/or set NAVIXY2MQTT_<SECTION>_<KEY>
# variables; secrets as files through NAVIXY2MQTT_<SECTION>_<KEY>_FILE (e.g.
# Docker secrets under /run/secrets). The control plane's state file lives
# in the /var/lib/navixy2mqtt volume.

FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libpaho-mqtt-dev libwebsockets-dev libjson-c-dev libcurl4-openssl-dev \
      libconfig-dev libssl-dev libsystemd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY bridge/ bridge/
COPY include/ include/
COPY plugins/ plugins/
COPY config/ config/
COPY tests/sim/ tests/sim/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DN2M_TESTS=OFF \
 && cmake --build build -j"$(nproc)" \
 && DESTDIR=/staging cmake --install build --prefix /usr/local \
 && install -D -m 0755 build/tests/sim/navixy-sim /staging-sim/navixy-sim

FROM debian:12-slim AS runtime-base
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpaho-mqtt1.3 libwebsockets17 libjson-c5 libcurl4 libconfig9 libsystemd0 libssl3 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 navixy2mqtt \
 && useradd --system --uid 10001 --gid navixy2mqtt --home-dir /var/lib/navixy2mqtt \
      --shell /usr/sbin/nologin navixy2mqtt \
 && install -d -o navixy2mqtt -g navixy2mqtt -m 0700 /var/lib/navixy2mqtt

FROM runtime-base AS sim
COPY --from=build /staging-sim/navixy-sim /usr/local/bin/navixy-sim
USER navixy2mqtt
# The simulator listens on loopback only: the compose file runs it in the
# bridge's network namespace.
ENTRYPOINT ["/usr/local/bin/navixy-sim"]
CMD ["--port", "8080", "--trackers", "5", "--rate", "2"]

FROM runtime-base AS runtime
COPY --from=build /staging/usr/local/ /usr/local/
RUN install -d -m 0755 /etc/navixy2mqtt \
 && cp /usr/local/etc/navixy2mqtt/navixy2mqtt.conf /etc/navixy2mqtt/navixy2mqtt.conf
ENV NAVIXY2MQTT_CONFIG=/etc/navixy2mqtt/navixy2mqtt.conf \
    NAVIXY2MQTT_CONTROL_STATE_FILE=/var/lib/navixy2mqtt/subscriptions.json
VOLUME ["/var/lib/navixy2mqtt"]
USER navixy2mqtt
WORKDIR /var/lib/navixy2mqtt
ENTRYPOINT ["/usr/local/bin/navixy2mqtt"]
