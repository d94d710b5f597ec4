package io.connscope.agent;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import net.bytebuddy.agent.ByteBuddyAgent;

import java.io.File;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code java -jar connscope-agent.jar list} and {@code attach PID [option=value...]}: connscope in a JVM that is
 * already running, without a restart. The JDK's attach API loads this same jar into the target, whose
 * {@code agentmain} then installs exactly what {@code -javaagent} would; JDK classes loaded already are
 * retransformed.
 */
final class AttachCommand {

    /** Set in a JVM once connscope runs there: a second attach is refused instead of instrumenting twice. */
    static final String STARTED_PROPERTY = "connscope.agent.started";

    private AttachCommand() {
    }

    /** How long {@code list} waits for the JVMs' answers, all asked at once. */
    static final long LIST_WAIT_MILLIS = 5_000;

    /**
     * The JVMs this user can attach to, one per line: pid, whether connscope runs there ({@code connscope},
     * {@code -}, or {@code ?} when the JVM did not answer in time), and its main class. Each JVM is asked on a
     * thread of its own: one that is starting or exiting can leave an attach waiting without end.
     */
    static int list(PrintStream out, PrintStream err) {
        String self = Long.toString(ProcessHandle.current().pid());
        List<VirtualMachineDescriptor> vms = new ArrayList<>();
        List<FutureTask<Boolean>> answers = new ArrayList<>();
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(self)) {
                continue;
            }
            FutureTask<Boolean> answer = new FutureTask<>(() -> isStarted(d.id()));
            Thread asker = new Thread(answer, "connscope-list-" + d.id());
            asker.setDaemon(true);
            asker.start();
            vms.add(d);
            answers.add(answer);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LIST_WAIT_MILLIS);
        for (int i = 0; i < vms.size(); i++) {
            VirtualMachineDescriptor d = vms.get(i);
            String status;
            try {
                status = answers.get(i).get(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS) ? "connscope" : "-";
            } catch (TimeoutException e) {
                status = "?";
                err.println("connscope: JVM " + d.id() + " did not answer within " + LIST_WAIT_MILLIS / 1000
                        + " s (starting or exiting?); shown with ?");
            } catch (InterruptedException | ExecutionException e) {
                status = "-";
            }
            out.println(d.id() + "\t" + status + "\t" + d.displayName());
        }
        return 0;
    }

    private static boolean isStarted(String pid) {
        try {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                return vm.getSystemProperties().getProperty(STARTED_PROPERTY) != null;
            } finally {
                vm.detach();
            }
        } catch (Exception | Error e) {
            return false;
        }
    }

    static int attach(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.get(0).matches("\\d+")) {
            err.println("connscope: attach needs the process id of a running JVM: attach PID [option=value ...]"
                    + " (java -jar connscope-agent.jar list shows them)");
            return 2;
        }
        String pid = args.get(0);
        String options = String.join(",", args.subList(1, args.size()));
        try {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                Properties target = vm.getSystemProperties();
                String started = target.getProperty(STARTED_PROPERTY);
                if (started != null) {
                    err.println("connscope: already running in JVM " + pid + " (" + started + "); not attaching again");
                    return 1;
                }
            } finally {
                vm.detach();
            }
            ByteBuddyAgent.attach(agentJar(), pid, options.isEmpty() ? null : options);
            out.println("connscope: attached to JVM " + pid + (options.isEmpty() ? "" : " with " + options)
                    + "; its report goes to that JVM's stderr (and its connscope.events.file)");
            return 0;
        } catch (Exception | Error e) {
            err.println("connscope: cannot attach to JVM " + pid + ": " + e
                    + " (same user? started with -XX:+DisableAttachMechanism? a JDK, not a JRE, runs this command?)");
            return 1;
        }
    }

    private static File agentJar() throws URISyntaxException {
        return new File(AttachCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    static List<String> rest(String[] args) {
        return Arrays.asList(args).subList(1, args.length);
    }
}
