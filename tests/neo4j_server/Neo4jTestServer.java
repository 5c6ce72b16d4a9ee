import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * A throw-away Neo4j community DBMS for the test suite: the embedded kernel with its Bolt
 * connector on 127.0.0.1, so the Python driver talks to it exactly as to a server.
 *
 * <p>Only public embedded API. Authentication stays on (the app's credential handling is
 * part of what is tested); the initial password is set through the system database, the
 * public way an embedded DBMS changes the default user's password. The password comes from
 * the environment, never the command line (other users of the machine can read argv).
 *
 * <p>Usage: {@code java -cp 'lib/*:classes' Neo4jTestServer HOME PORT} with
 * {@code NEO4J_TEST_PASSWORD} set. Prints one {@code READY} line when Bolt listens; a
 * SIGTERM shuts the DBMS down cleanly (the shutdown hook).
 */
public final class Neo4jTestServer {
    private Neo4jTestServer() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: Neo4jTestServer HOME PORT");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_TEST_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_TEST_PASSWORD must be set (8 characters at least)");
            System.exit(2);
        }
        Path home = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);

        long started = System.nanoTime();
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(64))
                .build();

        long built = System.nanoTime();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "neo4j-test-server-shutdown"));

        dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));

        long ready = System.nanoTime();
        System.out.println("READY bolt://127.0.0.1:" + port + " (DBMS up in "
                + (built - started) / 1_000_000 + " ms, password set in "
                + (ready - built) / 1_000_000 + " ms)");
        System.out.flush();
        stopped.await();
    }
}
