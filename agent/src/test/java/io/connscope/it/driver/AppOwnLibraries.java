package io.connscope.it.driver;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * An application that ships its own OpenTelemetry (API and SDK, another version than connscope's relocated copy)
 * and its own Byte Buddy, both unrelocated on its class path (CoexistenceIT puts them there). It sets up its SDK,
 * makes it {@code GlobalOpenTelemetry}, exports its spans to an exporter of its own, and generates a class with its
 * Byte Buddy; in between it runs the {@link OtelScenario}, which connscope exports as usual.
 *
 * <p>Prints {@code LIBRARY opentelemetry=<jar> byte-buddy=<jar>} (where the classes came from) and
 * {@code RESULT app_spans=.. app_spans_own_resource=.. global_is_app_sdk=.. byte_buddy_works=..}.
 */
public final class AppOwnLibraries {

    private AppOwnLibraries() {
    }

    /** A class of the application's own that its Byte Buddy subclasses. */
    public static class Greeting {
        public String greet() {
            return "hello";
        }
    }

    /** The application's own span exporter: keeps what it is given. */
    static final class Kept implements SpanExporter {
        final List<SpanData> spans = new ArrayList<>();

        @Override
        public synchronized CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAll(batch);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }

        synchronized List<SpanData> spans() {
            return new ArrayList<>(spans);
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println("LIBRARY opentelemetry=" + jar(SdkTracerProvider.class) + " opentelemetry-api="
                + jar(GlobalOpenTelemetry.class) + " byte-buddy=" + jar(ByteBuddy.class));
        Kept kept = new Kept();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .setResource(Resource.getDefault().merge(Resource.create(
                                Attributes.of(AttributeKey.stringKey("service.name"), "the-app"))))
                        .addSpanProcessor(SimpleSpanProcessor.create(kept))
                        .build())
                .build();
        GlobalOpenTelemetry.set(sdk);

        Span before = GlobalOpenTelemetry.getTracer("app").spanBuilder("app-before").startSpan();
        before.end();
        OtelScenario.main(new String[] {"linger", "1000"});
        // After connscope's SDK has long been built and has exported.
        Span after = GlobalOpenTelemetry.getTracer("app").spanBuilder("app-after").startSpan();
        after.end();

        List<SpanData> spans = kept.spans();
        long ownResource = spans.stream()
                .filter(s -> "the-app".equals(s.getResource().getAttribute(AttributeKey.stringKey("service.name")))).count();
        boolean bothOwn = spans.size() == 2 && spans.get(0).getName().equals("app-before")
                && spans.get(1).getName().equals("app-after")
                && before.getSpanContext().getTraceId().equals(spans.get(0).getTraceId());

        Class<? extends Greeting> generated = new ByteBuddy(ClassFileVersion.JAVA_V8)
                .subclass(Greeting.class)
                .method(ElementMatchers.named("greet")).intercept(FixedValue.value("hello from the app's Byte Buddy"))
                .make()
                .load(AppOwnLibraries.class.getClassLoader(), ClassLoadingStrategy.Default.CHILD_FIRST)
                .getLoaded();
        String greeting = generated.getDeclaredConstructor().newInstance().greet();
        System.out.println("GREETING " + greeting);

        System.out.println("RESULT app_spans=" + spans.size() + " app_spans_own_resource=" + ownResource
                + " app_spans_are_its_own=" + (bothOwn ? 1 : 0)
                + " byte_buddy_works=" + ("hello from the app's Byte Buddy".equals(greeting) ? 1 : 0));
        sdk.getSdkTracerProvider().shutdown();
    }

    private static String jar(Class<?> c) throws Exception {
        return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
    }
}
