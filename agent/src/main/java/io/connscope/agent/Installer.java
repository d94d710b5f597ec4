package io.connscope.agent;

import io.connscope.agent.config.AgentConfig;
import io.connscope.agent.config.Option;
import io.connscope.agent.core.AsciiCase;
import io.connscope.agent.core.ConnectionRegistry;
import io.connscope.agent.core.OsKeepAliveDefaults;
import io.connscope.agent.core.SocketInspector;
import io.connscope.agent.export.Reporter;
import io.connscope.agent.export.otel.OtelActivation;
import io.connscope.agent.export.otel.OtelExport;
import io.connscope.agent.instrumentation.AdviceFailures;
import io.connscope.agent.instrumentation.AdviceList;
import io.connscope.agent.instrumentation.SocketInstrumentation;
import io.connscope.agent.instrumentation.apache.ApachePoolInstrumentation;
import io.connscope.agent.instrumentation.asyncchannel.AsyncChannelOptionsInstrumentation;
import io.connscope.agent.instrumentation.asyncchannel.AsyncServerSocketChannelInstrumentation;
import io.connscope.agent.instrumentation.asyncchannel.AsyncSocketChannelInstrumentation;
import io.connscope.agent.instrumentation.connectfailure.ConnectExceptionInstrumentation;
import io.connscope.agent.instrumentation.dispatcher.SocketDispatcherInstrumentation;
import io.connscope.agent.instrumentation.socketchannel.ServerSocketChannelInstrumentation;
import io.connscope.agent.instrumentation.socketchannel.SocketChannelInstrumentation;
import io.connscope.agent.instrumentation.httpclient.Http2StreamInstrumentation;
import io.connscope.agent.instrumentation.httpclient.HttpClientPoolInstrumentation;
import io.connscope.agent.instrumentation.httpurlconnection.KeepAliveCacheInstrumentation;
import io.connscope.agent.instrumentation.localaddress.LocalAddressInstrumentation;
import io.connscope.agent.instrumentation.netty.NettyChannelPoolInstrumentation;
import io.connscope.agent.instrumentation.netty.NettyNativeSocketInstrumentation;
import io.connscope.agent.instrumentation.okhttp.OkHttpPoolInstrumentation;
import io.connscope.agent.instrumentation.reactornetty.ReactorNettyPoolInstrumentation;
import io.connscope.agent.instrumentation.socketimpl.NioSocketImplInstrumentation;
import io.connscope.agent.instrumentation.sslengine.OpenSslEngineInstrumentation;
import io.connscope.agent.instrumentation.sslengine.SslEngineInstrumentation;
import io.connscope.agent.instrumentation.sslsocket.SslSocketInstrumentation;
import io.connscope.agent.jdk.JdkSocketInspector;
import io.connscope.agent.jdk.NativeMemory;
import io.connscope.bootstrap.SocketEvents;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.GraalImageCode;
import net.bytebuddy.utility.JavaModule;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

/** Wires the registry, the reporter and the instrumentations together, then installs the instrumentations. */
final class Installer {

    static final List<SocketInstrumentation> INSTRUMENTATIONS = List.of(
            new SocketDispatcherInstrumentation(),
            new ConnectExceptionInstrumentation(),
            new LocalAddressInstrumentation(),
            new NioSocketImplInstrumentation(),
            new SocketChannelInstrumentation(),
            new SslSocketInstrumentation(),
            new SslEngineInstrumentation(),
            new OpenSslEngineInstrumentation(),
            new KeepAliveCacheInstrumentation(),
            new HttpClientPoolInstrumentation(),
            new Http2StreamInstrumentation(),
            new OkHttpPoolInstrumentation(),
            new ApachePoolInstrumentation(),
            new NettyChannelPoolInstrumentation(),
            new NettyNativeSocketInstrumentation(),
            new ReactorNettyPoolInstrumentation(),
            new ServerSocketChannelInstrumentation(),
            new AsyncSocketChannelInstrumentation(),
            new AsyncServerSocketChannelInstrumentation(),
            new AsyncChannelOptionsInstrumentation());

    private Installer() {
    }

    /** @param attached whether the JVM ran before connscope came (attach): its open connections are picked up */
    static void install(Instrumentation inst, AgentConfig config, boolean attached) {
        SocketInspector inspector;
        try {
            JdkSocketInspector jdk = JdkSocketInspector.open(inst);
            if (!jdk.missing().isEmpty()) {
                System.err.println(JdkSocketInspector.MISSING_LINE + jdk.missing());
            }
            inspector = jdk;
        } catch (Throwable t) {
            System.err.println("connscope: cannot reach JDK socket internals (" + t
                    + "); addresses, keep-alive settings and close details will be missing");
            inspector = SocketInspector.NONE;
        }
        String file = config.string(Option.EVENTS_FILE);
        boolean otel = OtelActivation.enabled(config.string(Option.OTEL), config.otelOverrides(),
                System.getProperties(), System.getenv());
        int eventsPerSpan = (int) config.number(Option.OTEL_REQUEST_EVENTS);
        Reporter reporter = new Reporter((int) config.number(Option.QUEUE_SIZE),
                Reporter.ConsoleLevel.valueOf(AsciiCase.upper(config.string(Option.CONSOLE))),
                config.number(Option.SUMMARY_INTERVAL), file.isEmpty() ? null : Paths.get(file),
                config.bool(Option.EVENTS_REQUESTS), System.err,
                otel ? OtelExport.factory(config.number(Option.OTEL_SPAN_MAX_DURATION), eventsPerSpan,
                        config.bool(Option.OTEL_REUSED_SPANS), config.otelOverrides(), System.err) : null,
                // Requests are wanted whatever the events: their trace context makes links and spans.
                true, config.number(Option.KERNEL_INTERVAL));
        String report = config.string(Option.REPORT_FILE);
        if (!report.isEmpty()) {
            reporter.reportTo(Paths.get(report));
        }
        reporter.limitConsoleLines(config.number(Option.CONSOLE_LINES_PER_SECOND),
                Option.CONSOLE_LINES_PER_SECOND.key());
        NativeMemory memory = NativeMemory.open(inst);
        if (memory == null) {
            System.err.println("connscope: cannot read socket buffers on this JDK; HTTP requests will not be counted");
        }
        ConnectionRegistry registry = new ConnectionRegistry((int) config.number(Option.MAX_CONNECTIONS), inspector,
                OsKeepAliveDefaults.read(), reporter, memory);
        registry.readOptionsAlways("always".equals(config.string(Option.OPTIONS_READ)));
        if (attached) {
            registry.adoptPreexistingConnections();
        }
        SocketEvents.sink = Boolean.getBoolean(FailingSink.PROPERTY) ? FailingSink.around(registry) : registry;
        agentBuilder(config.names(Option.INSTRUMENTATION_DISABLED)).installOn(inst);
        // After the instrumentation is in place, so that the exporter's set-up (class loading) does not compete
        // with it; what finishes meanwhile waits in the queue.
        reporter.start(registry);
    }

    static AgentBuilder agentBuilder(Set<String> disabled) {
        // Advice needs no Nexus (it serves LoadedTypeInitializers, which inlined advice has none of); left on, its
        // setup touches sun.misc.Unsafe, which JDK 24+ warns about on stderr. The property name is relocated
        // along with Byte Buddy, so it only ever concerns connscope's own copy.
        if (System.getProperty("net.bytebuddy.nexus.disabled") == null) {
            System.setProperty("net.bytebuddy.nexus.disabled", "true");
        }
        presetGraalImageCode();
        List<SocketInstrumentation> enabled = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<String> targetSuffixes = new ArrayList<>();
        for (SocketInstrumentation i : INSTRUMENTATIONS) {
            if (!disabled.contains(i.name())) {
                enabled.add(i);
                targets.addAll(i.typeNames());
                targetSuffixes.addAll(i.typeNameSuffixes());
            }
        }
        TargetNames names = new TargetNames(targets, targetSuffixes);
        // Advice goes into methods a class declares, and adds none: the method graph of its whole hierarchy (each
        // super type parsed) and the validation of members it does not add are work at every class it rewrites.
        AgentBuilder builder = new AgentBuilder.Default(new ByteBuddy()
                .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE)
                .with(TypeValidation.DISABLED))
                // Socket classes may be loaded already (used before premain, or at attach): rewrite them in place.
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(names.loaded())
                .with(names.loading())
                // Advice only visits the methods a class declares: the class is decorated (its bytes visited), not
                // redefined (no method registry of its members, each matched and compiled again, at every rewrite).
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                // Retransformation may not add fields or methods; inlined advice needs neither.
                .disableClassFormatChanges()
                // The default ignores the boot loader's classes, which are exactly the ones we instrument.
                .ignore(nameStartsWith("io.connscope.").or(nameStartsWith("net.bytebuddy.")))
                .with(new ErrorListener());
        for (SocketInstrumentation i : enabled) {
            builder = builder.type(i.type())
                    .transform(i.advise(new AdviceList(new AgentBuilder.Transformer.ForAdvice()
                            .include(Installer.class.getClassLoader())
                            .withExceptionHandler(AdviceFailures.HANDLER))));
        }
        return builder;
    }

    /**
     * Byte Buddy asks once whether it runs in a GraalVM native image, and lowers {@code java.vm.vendor} to look for
     * "graalvm": in the application's start, where the JIT is profiling {@code String.toLowerCase} for the
     * application (see {@link AsciiCase}). The answer it would find is set first when it is certainly "none"; else
     * (a GraalVM, or the native image's property set) Byte Buddy asks as before.
     */
    static void presetGraalImageCode() {
        try {
            String vendor = System.getProperty("java.vm.vendor");
            if (System.getProperty("org.graalvm.nativeimage.imagecode") != null || vendor == null
                    || AsciiCase.lower(vendor).contains("graalvm")) {
                return;
            }
            Field current = GraalImageCode.class.getDeclaredField("current");
            current.setAccessible(true);
            if (current.get(null) == null) {
                current.set(null, GraalImageCode.NONE);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Byte Buddy asks itself: only the JIT's profile is at stake.
        }
    }

    /** Says once per type, on stderr, when a JDK class could not be instrumented, instead of failing silently. */
    private static final class ErrorListener extends AgentBuilder.Listener.Adapter {
        private final Set<String> reported = ConcurrentHashMap.newKeySet();

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
            if (reported.add(typeName)) {
                System.err.println("connscope: could not instrument " + typeName + ": " + throwable);
            }
        }

        @Override
        public void onTransformation(TypeDescription typeDescription, ClassLoader classLoader, JavaModule module,
                                     boolean loaded, DynamicType dynamicType) {
            // Nothing to do: success is silent.
        }
    }
}
