package dev.tieredjpa.testsupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/** Whether a Docker engine answers, asked once per JVM: Testcontainers is the second choice for every service. */
final class Docker {

    private static final Logger log = LoggerFactory.getLogger(Docker.class);
    private static volatile Boolean available;

    private Docker() {
    }

    static boolean isAvailable() {
        Boolean answer = available;
        if (answer == null) {
            synchronized (Docker.class) {
                if (available == null) {
                    available = ask();
                }
                answer = available;
            }
        }
        return answer;
    }

    private static boolean ask() {
        try {
            boolean answer = DockerClientFactory.instance().isDockerAvailable();
            log.info("Docker engine {}", answer ? "found: Testcontainers may start services" : "not found");
            return answer;
        } catch (Throwable noDocker) {
            log.info("Docker engine not found ({}): using embedded services", noDocker.toString());
            return false;
        }
    }
}
