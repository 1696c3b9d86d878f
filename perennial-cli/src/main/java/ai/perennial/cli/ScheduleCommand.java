package ai.perennial.cli;

import ai.perennial.cli.report.Png;
import ai.perennial.cli.report.Svg;
import ai.perennial.core.PerennialException;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.schedule.ScheduleSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial schedule plot}: draws any schedule spec. */
@Command(name = "schedule", mixinStandardHelpOptions = true, description = "Learning-rate schedules.",
        subcommands = {ScheduleCommand.Plot.class})
public final class ScheduleCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The registered schedule names, for help texts. */
    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ai.perennial.core.registry.Registry.global().names(Schedule.KIND).iterator();
        }
    }

    @Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Plot a schedule against the step.",
                "Spec: name:key=value,... joined by '+' with @length per piece, e.g. 'constant:value=0.1@500+cosine:peak=0.1'; any piece takes warmup=N.",
                "'perennial describe NAME' shows a schedule's parameters."})
    public static final class Plot implements Callable<Integer> {
        @Option(names = "--schedule", required = true, completionCandidates = Names.class,
                description = "Schedule spec; names: ${COMPLETION-CANDIDATES}")
        String schedule;

        @Option(names = "--steps", defaultValue = "1000", description = "Steps to draw (and the default schedule length). Default: ${DEFAULT-VALUE}")
        long steps;

        @Option(names = "--lr", defaultValue = "1e-3", description = "Default peak rate. Default: ${DEFAULT-VALUE}")
        double lr;

        @Option(names = "--out", required = true, description = "Output file: .png or .svg")
        Path out;

        @Override
        public Integer call() throws IOException {
            if (steps <= 0) {
                throw new PerennialException("--steps must be positive, got " + steps);
            }
            Schedule s = ScheduleSpec.parse(schedule, lr, steps);
            OutputDir.writableFile(out);
            int points = (int) Math.min(steps + 1, 2000);
            double[] x = new double[points];
            double[] y = new double[points];
            for (int i = 0; i < points; i++) {
                x[i] = Math.round(i * (double) steps / (points - 1));
                y[i] = s.at((long) x[i]);
            }
            String name = out.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (name.endsWith(".svg")) {
                double max = 0;
                for (double v : y) {
                    max = Math.max(max, v);
                }
                ai.perennial.core.run.ResultWriter.writeText(out, Svg.lineChart(schedule, List.of(new Svg.Series("rate", x, y)), new long[0], "step", "rate",
                        0, max > 0 ? max * 1.05 : 1));
            } else if (name.endsWith(".png")) {
                System.setProperty("java.awt.headless", "true");
                XYChart chart = new XYChartBuilder().width(800).height(400).title(schedule).xAxisTitle("step").yAxisTitle("rate").build();
                chart.getStyler().setLegendVisible(false).setMarkerSize(0);
                chart.getStyler().setXAxisDecimalPattern("#").setYAxisDecimalPattern("0.###E0");
                chart.getStyler().setXAxisTickMarkSpacingHint(80).setYAxisTickMarkSpacingHint(50);
                chart.addSeries("rate", x, y);
                Png.write(out, chart);
            } else {
                throw new PerennialException("--out " + out + ": use a .png or .svg file name");
            }
            System.out.printf("%s: step 0 → %.6g, step %d → %.6g, max %.6g -> %s%n", schedule, y[0], steps, y[points - 1],
                    java.util.Arrays.stream(y).max().orElse(0), out);
            return 0;
        }
    }
}
