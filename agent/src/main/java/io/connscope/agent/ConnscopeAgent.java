package io.connscope.agent;

import io.connscope.agent.config.AgentConfig;
import io.connscope.agent.config.Option;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarFile;

/**
 * Entry points: {@code premain} for {@code -javaagent:connscope-agent.jar}, {@code agentmain} for attach, and
 * {@code main} for {@code java -jar connscope-agent.jar help|list|attach|report}.
 *
 * <p>This class must not touch any class of {@code io.connscope.bootstrap} (nor anything that does) before
 * {@link #defineBootstrapClasses} has defined them in the boot loader, where the advice inlined into JDK classes
 * looks for them: they must never be loaded by the agent's own loader.
 */
public final class ConnscopeAgent {

    private static final String BOOTSTRAP_JAR = "/META-INF/connscope/connscope-bootstrap.jar";

    private ConnscopeAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, "-javaagent");
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, "attach");
    }

    private static synchronized void start(String args, Instrumentation inst, String how) {
        try {
            String started = System.getProperty(AttachCommand.STARTED_PROPERTY);
            if (started != null) {
                // A second -javaagent, or an attach after one: instrumenting twice would count everything twice.
                System.err.println("connscope: already running in this JVM (" + started + "); not starting again");
                return;
            }
            AgentConfig config = AgentConfig.fromEnvironment(args);
            if (!config.bool(Option.ENABLED)) {
                return;
            }
            System.setProperty(AttachCommand.STARTED_PROPERTY, "started by " + how + " at " + utc(System.currentTimeMillis()));
            if (!defineBootstrapClasses(inst)) {
                appendBootstrapJar(inst);
            }
            Installer.install(inst, config, how.equals("attach"));
        } catch (Throwable t) {
            // The application starts anyway; it just is not traced.
            System.err.println("connscope: agent not started: " + t);
        }
    }

    /**
     * {@code 2026-11-22T23:17:35Z}: what {@code Instant.toString()} says to the second, without it: its first use
     * initializes java.time's formatters, about 5 ms of every start (days to a civil date as in Howard Hinnant's
     * {@code civil_from_days}).
     */
    static String utc(long epochMillis) {
        long seconds = Math.floorDiv(epochMillis, 1000L);
        long days = Math.floorDiv(seconds, 86_400L);
        long secondOfDay = seconds - days * 86_400L;
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097L);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        long day = dayOfYear - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        return year + "-" + two(month) + "-" + two(day) + "T" + two(secondOfDay / 3600) + ":"
                + two(secondOfDay / 60 % 60) + ":" + two(secondOfDay % 60) + "Z";
    }

    private static String two(long n) {
        return n < 10 ? "0" + n : Long.toString(n);
    }

    /**
     * Defines the nested bootstrap jar's classes directly in the boot loader ({@code jdk.internal.misc.Unsafe},
     * the JDK's own way for that), instead of appending the jar to the boot class path: an appended boot class
     * path makes the JVM give up class data sharing (and JDK 24+'s AOT cache) for every class not loaded by the
     * boot loader, i.e. the application's, and costs a temporary file. False when this JDK refuses; then the jar
     * is appended as before (classes already defined stay; the jar holds the same bytes).
     */
    static boolean defineBootstrapClasses(Instrumentation inst) {
        try {
            Module javaBase = Object.class.getModule();
            inst.redefineModule(javaBase, Set.of(), Map.of("jdk.internal.misc", Set.of(ConnscopeAgent.class.getModule())),
                    Map.of(), Set.of(), Map.of());
            Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
            Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
            Method define = unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                    ClassLoader.class, ProtectionDomain.class);
            Map<String, byte[]> pending = new LinkedHashMap<>();
            try (InputStream in = ConnscopeAgent.class.getResourceAsStream(BOOTSTRAP_JAR)) {
                if (in == null) {
                    return false;
                }
                JarInputStream jar = new JarInputStream(in);
                for (JarEntry e; (e = jar.getNextJarEntry()) != null; ) {
                    if (e.getName().endsWith(".class")) {
                        String name = e.getName().substring(0, e.getName().length() - ".class".length()).replace('/', '.');
                        pending.put(name, jar.readAllBytes());
                    }
                }
            }
            // A class can only be defined after its superclass and interfaces: rounds until none is left.
            for (int round = 0; !pending.isEmpty(); round++) {
                if (round > pending.size() + 1) {
                    return false;
                }
                for (Iterator<Map.Entry<String, byte[]>> i = pending.entrySet().iterator(); i.hasNext(); ) {
                    Map.Entry<String, byte[]> c = i.next();
                    try {
                        define.invoke(unsafe, c.getKey(), c.getValue(), 0, c.getValue().length, null, null);
                        i.remove();
                    } catch (InvocationTargetException e) {
                        if (!(e.getCause() instanceof NoClassDefFoundError)) {
                            throw e;
                        }
                    }
                }
            }
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Copies the nested bootstrap jar to a temporary file and appends it to the boot class path. */
    static void appendBootstrapJar(Instrumentation inst) throws IOException {
        Path jar = Files.createTempFile("connscope-bootstrap-", ".jar");
        jar.toFile().deleteOnExit();
        try (InputStream in = ConnscopeAgent.class.getResourceAsStream(BOOTSTRAP_JAR)) {
            if (in == null) {
                throw new IOException(BOOTSTRAP_JAR + " is missing from the agent jar");
            }
            Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
        }
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(help());
            return;
        }
        if (args[0].equals("list")) {
            System.exit(AttachCommand.list(System.out, System.err));
        }
        if (args[0].equals("attach")) {
            System.exit(AttachCommand.attach(AttachCommand.rest(args), System.out, System.err));
        }
        if (args[0].equals("report")) {
            System.exit(io.connscope.agent.report.ReportCommand.run(AttachCommand.rest(args), System.out, System.err));
        }
        System.err.println("connscope: unknown command '" + args[0] + "'. Commands: help, list, attach, report");
        System.exit(2);
    }

    static String help() {
        return "connscope: see what every TCP connection of a JVM is doing.\n\n"
                + "Usage: java -javaagent:connscope-agent.jar[=option=value,...] -jar your-app.jar\n"
                + "       java -jar connscope-agent.jar attach PID [option=value ...]   into a running JVM\n"
                + "       java -jar connscope-agent.jar list                            JVMs it can attach to\n"
                + "       java -jar connscope-agent.jar report EVENTS.jsonl [-o report.html]   an HTML report\n"
                + "       java -jar connscope-agent.jar help\n\n"
                + "Options, highest precedence first: agent arguments (attach options are agent arguments),\n"
                + "-D system properties, environment variables, lines of the connscope.config.file properties file,\n"
                + "defaults. A bad value, an unknown option or an unreadable file prints one line on stderr and the\n"
                + "default applies.\n\n"
                + AgentConfig.optionTable();
    }
}
