package io.distribute.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The {@code distribute} command line: {@code node}, {@code ping}, {@code status}, {@code cookie}, {@code demo}. Built on the public API only
 * ({@code io.distribute.cluster}, {@code io.distribute.retry}); picocli and logback are optional dependencies of
 * the library, bundled in the executable jar {@code target/distribute-cli.jar}.
 */
@Command(name = "distribute",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {NodeCommand.class, PingCommand.class, StatusCommand.class, CookieCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class},
        description = {"Erlang-style cluster nodes for the JVM, on JGroups.", ""},
        footerHeading = "%n",
        footer = {"The cookie (the cluster's shared secret) is read from the CLUSTER_COOKIE environment variable or"
                + " from --cookie-file, never from the command line: argv is visible to every user in ps."
                + " Make one with: export CLUSTER_COOKIE=$(distribute cookie)",
                "Other settings may come from DISTRIBUTE_* variables (see the README); options take precedence."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success (for node: stopped by SIGINT/SIGTERM, after leaving gracefully)",
                "1:failure at run time: ping got no answer, status: the node is not ready or does not answer, a demo step"
                        + " failed, an unexpected error",
                "2:usage error: unknown option, invalid value (option, DISTRIBUTE_* variable, node name, seed,"
                        + " cookie), no cookie, unreadable cookie file, no node name",
                "3:the node could not start: network (port in use, not a local address), stack file, permissions"})
public final class Main implements Runnable {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int START_FAILED = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "log level of distribute and JGroups on stderr: error, warn (default), info, debug")
    void logLevel(String level) {
        LogSetup.configure(level);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (without exiting). */
    public static int run(String... args) {
        LogSetup.configure("warn");
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(System.err, true, StandardCharsets.UTF_8));
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILED);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // A bug, not a user error: say where.
            commandLine.getErr().println("distribute: unexpected error: " + e);
            StackTraceElement[] where = e.getStackTrace();
            for (int i = 0; i < Math.min(5, where.length); i++) {
                commandLine.getErr().println("    at " + where[i]);
            }
            return FAILED;
        });
        return cl;
    }

    /**
     * A usage error, from parsing or from a command: one line saying what is wrong and one pointing to the help of
     * the command concerned (instead of picocli's whole usage text); exit code {@link #USAGE}.
     */
    static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine where = e.getCommandLine();
        String message = String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", "; ");
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        where.getErr().println("distribute: " + message);
        where.getErr().println("try '" + where.getCommandSpec().qualifiedName() + " --help'");
        where.getErr().flush();
        return USAGE;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: node, ping, status, cookie or demo");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"distribute " + (v != null ? v : "(development build)")};
        }
    }
}
