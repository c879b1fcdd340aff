/**
 * A node's optional health and membership endpoint over HTTP, for container health checks, Kubernetes probes and
 * people: {@link io.distribute.http.HealthEndpoint} serves {@code GET /health/live}, {@code /health/ready} and
 * {@code /members} with the JDK's built-in HTTP server. A node serves it itself when
 * {@link io.distribute.cluster.ClusterConfig#httpPort()} is set; nothing here needs to be called directly.
 */
package io.distribute.http;
