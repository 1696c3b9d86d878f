package ai.perennial.cl.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.metrics.PlasticityDiagnostics;
import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.cl.strategy.Tensors;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Units;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.Scores;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import ai.perennial.core.model.Parameters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records {@link PlasticityPoint}s: at the end of every experience, and every {@code everySteps} steps when that is
 * positive. The probe batch is the first {@code probeSize} training samples of the current experience. It runs before
 * every other hook, so it sees the batch as the data loader gave it and the task gradient before any strategy changes
 * it; the online score (the run's score of each incoming batch before the step learns from it: prequential,
 * test-then-train evaluation) and the gradient norm accumulate on the device and are read back only when a point is
 * recorded.
 */
final class PlasticityProbe implements TrainingHook {
    private final Model model;
    private final Scores.Score score;
    private final int probeSize;
    private final int everySteps;
    private final List<PlasticityPoint> points = new ArrayList<>();
    private List<NDArray> initialWeights;
    private NDArray onlineSums; // the score's sums over the experience's incoming batches so far; null before the first
    private long seen;
    private NDArray gradientNorms;
    private long gradientSteps;
    private int batchSize;
    private double seconds;

    PlasticityProbe(Model model, Scores.Score score, int probeSize, int everySteps) {
        this.model = model;
        this.score = score;
        this.probeSize = probeSize;
        this.everySteps = everySteps;
    }

    @Override
    public String name() {
        return "plasticity diagnostics";
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (initialWeights == null) {
            initialWeights = new ArrayList<>();
            for (Units u : model.units()) {
                NDArray w = model.parameters().get(u.inputWeight()).array().stopGradient().duplicate();
                NDScope.unregister(w);
                initialWeights.add(w);
            }
        }
        resetAccumulators(c);
    }

    private void resetAccumulators(TrainingContext c) {
        if (gradientNorms != null) {
            gradientNorms.close();
        }
        if (onlineSums != null) {
            onlineSums.close();
            onlineSums = null;
        }
        gradientNorms = c.stateManager().zeros(new Shape());
        NDScope.unregister(gradientNorms);
        seen = 0;
        gradientSteps = 0;
    }

    @Override
    public Batch adaptBatch(TrainingContext c, Batch batch) {
        batchSize = batch.indices().length;
        return batch;
    }

    @Override
    public void afterForward(TrainingContext c, Batch batch, NDArray logits) {
        NDIndex own = new NDIndex("0:" + batchSize);
        NDArray sums = score.sums(logits.stopGradient().get(own), batch.labels().get(own));
        if (onlineSums == null) {
            onlineSums = c.stateManager().zeros(sums.getShape(), DataType.FLOAT64);
            NDScope.unregister(onlineSums);
        }
        onlineSums.addi(sums);
        seen += batchSize;
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        gradientNorms.addi(Parameters.squaredNorm(grads).sqrt());
        gradientSteps++;
        return grads;
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        if (everySteps > 0 && c.globalStep() % everySteps == 0) {
            record(c);
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        record(c);
    }

    private void record(TrainingContext c) {
        if (!points.isEmpty() && points.get(points.size() - 1).step() == c.globalStep()) {
            return;
        }
        long start = System.nanoTime();
        double online = seen == 0 || onlineSums == null ? Double.NaN : score.finish(onlineSums.toDoubleArray());
        double gradient = gradientSteps == 0 ? Double.NaN : gradientNorms.getFloat() / gradientSteps;
        gradientNorms.subi(gradientNorms);
        gradientSteps = 0;
        List<PlasticityPoint.Layer> layers = new ArrayList<>();
        List<Units> units = model.units();
        if (!units.isEmpty()) { // a model without addressable units (a ResNet) has no per-layer diagnostics to compute
            try (NDScope scope = new NDScope()) {
                Dataset data = c.experienceData();
                NDArray probe = data.inputs(c.stateManager(), Shuffle.range(Math.min(probeSize, data.size())));
                List<NDArray> hidden = model.hidden(probe);
                for (int l = 0; l < units.size(); l++) {
                    layers.add(layer(units.get(l), hidden.get(l), initialWeights.get(l)));
                }
            }
        }
        points.add(new PlasticityPoint(c.globalStep(), c.experienceIndex(), online, gradient, layers));
        seconds += (System.nanoTime() - start) / 1e9;
    }

    private PlasticityPoint.Layer layer(Units u, NDArray h, NDArray initial) {
        int n = (int) h.getShape().get(0);
        // a channel's activity is its mean over positions (non-negative after ReLU, so zero exactly when it never fires)
        NDArray activity = h.getShape().dimension() == 2 ? h : h.reshape(n, u.count(), -1).mean(new int[] {2});
        float[] flat = activity.toFloatArray();
        float[][] a = new float[n][];
        for (int i = 0; i < n; i++) {
            a[i] = Arrays.copyOfRange(flat, i * u.count(), (i + 1) * u.count());
        }
        double[] sv = singularValues(activity);
        NDArray w = model.parameters().get(u.inputWeight()).array().stopGradient().reshape(u.count(), -1);
        double norm = w.norm().getFloat();
        double change = w.sub(initial.reshape(u.count(), -1)).norm().getFloat();
        double sigmaMax = singularValues(w)[0];
        return new PlasticityPoint.Layer(u.layer(), PlasticityDiagnostics.deadFraction(a), PlasticityDiagnostics.dormantFraction(a, PlasticityDiagnostics.DORMANT_TAU),
                PlasticityDiagnostics.saturatedFraction(a), PlasticityDiagnostics.effectiveRank(sv), PlasticityDiagnostics.srank(sv, PlasticityDiagnostics.SRANK_DELTA),
                norm, change, sigmaMax);
    }

    /** Singular values of a 2-D array through the smaller of its two Gram matrices, formed on the device. */
    private static double[] singularValues(NDArray m) {
        long rows = m.getShape().get(0);
        long columns = m.getShape().get(1);
        NDArray gram = rows <= columns ? m.matMul(m.transpose()) : m.transpose().matMul(m);
        return PlasticityDiagnostics.singularValuesFromGram(gram.toFloatArray(), (int) Math.min(rows, columns));
    }

    List<PlasticityPoint> points() {
        return List.copyOf(points);
    }

    double seconds() {
        return seconds;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("started", initialWeights == null ? 0 : 1);
        if (initialWeights != null) {
            for (int l = 0; l < initialWeights.size(); l++) {
                out.putArray("initial." + l, initialWeights.get(l));
            }
            if (onlineSums != null) {
                out.putDoubles("online_sums", onlineSums.toDoubleArray());
            }
            out.putArray("gradient_norms", gradientNorms);
        }
        out.putCounter("seen", seen);
        out.putCounter("gradient_steps", gradientSteps);
        out.putNumber("seconds", seconds);
        out.putLongs("steps", points.stream().mapToLong(PlasticityPoint::step).toArray());
        out.putInts("experiences", points.stream().mapToInt(PlasticityPoint::experience).toArray());
        out.putDoubles("online_accuracy", points.stream().mapToDouble(PlasticityPoint::onlineAccuracy).toArray());
        out.putDoubles("gradient", points.stream().mapToDouble(PlasticityPoint::gradientNorm).toArray());
        out.putDoubles("layers", points.stream().flatMap(p -> p.layers().stream()).flatMapToDouble(l -> Arrays.stream(l.values())).toArray());
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        Tensors.close(initialWeights);
        initialWeights = null;
        if (in.counter("started") == 1) {
            initialWeights = new ArrayList<>();
            List<Units> units = model.units();
            for (int l = 0; l < units.size(); l++) {
                NDArray w = c.stateManager().zeros(model.parameters().get(units.get(l).inputWeight()).array().getShape());
                NDScope.unregister(w);
                in.copyInto("initial." + l, w);
                initialWeights.add(w);
            }
            resetAccumulators(c);
            if (in.has("online_sums")) {
                onlineSums = c.stateManager().create(in.doubles("online_sums"));
                NDScope.unregister(onlineSums);
            } else if (in.has("correct")) { // written before scores were general: accuracy's sums are (correct, seen)
                onlineSums = c.stateManager().create(new double[] {in.floats("correct")[0], in.counter("seen")});
                NDScope.unregister(onlineSums);
            }
            in.copyInto("gradient_norms", gradientNorms);
        }
        seen = in.counter("seen");
        gradientSteps = in.counter("gradient_steps");
        seconds = in.number("seconds");
        points.clear();
        long[] steps = in.longs("steps");
        int[] experiences = in.ints("experiences");
        double[] online = in.doubles("online_accuracy");
        double[] gradient = in.doubles("gradient");
        double[] values = in.doubles("layers");
        List<Units> units = model.units();
        int width = PlasticityPoint.FIELDS.size();
        int k = 0;
        for (int i = 0; i < steps.length; i++) {
            List<PlasticityPoint.Layer> layers = new ArrayList<>();
            for (Units u : units) {
                layers.add(PlasticityPoint.Layer.of(u.layer(), Arrays.copyOfRange(values, k, k + width)));
                k += width;
            }
            points.add(new PlasticityPoint(steps[i], experiences[i], online[i], gradient[i], layers));
        }
    }
}
