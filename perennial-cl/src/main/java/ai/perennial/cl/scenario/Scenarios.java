package ai.perennial.cl.scenario;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Values;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import static ai.perennial.core.data.Shuffle.range;
import static ai.perennial.core.data.Shuffle.shuffled;

/**
 * Builds scenarios over any labelled data set; every random choice comes from the given seed. Each stream type is
 * declared next to its builder.
 */
public final class Scenarios {
    private static final Param<Integer> CLASSES_PER_EXPERIENCE = Param.integer("classes_per_experience", 2,
            "classes in each experience (must divide the number of classes)").atLeast(1);
    private static final Param<Object> CLASS_ORDER = Param.custom("class_order", "list of class ids or \"random\"", null,
            "order in which classes arrive: a list, \"random\" (shuffled by the seed), or unset for 0..C-1", Scenarios::classOrder);
    private static final Param<Integer> TASKS = Param.integer("tasks", 5, "number of experiences").atLeast(1).atMost(100_000);
    private static final Param<Integer> ROTATED_TASKS = Param.integer("tasks", null,
            "number of experiences (default: one per angle, or 5)").atLeast(1).atMost(100_000);
    private static final Param<List<Double>> ANGLES = Param.numbers("angles", null,
            "the angles in degrees, one per experience (default: evenly spaced from 0 to max_degrees)");
    private static final Param<Double> MAX_DEGREES = Param.number("max_degrees", 180.0, "largest angle when the angles are evenly spaced");

    /** Tag of scenarios whose experiences are seen once (training.epochs must be 1). */
    public static final String SINGLE_PASS = "single-pass";

    @Registered
    public static final Component<Scenario.Context, Scenario> SPLIT = Component.of(Scenario.KIND, "split")
            .summary("split by class groups: class-incremental (one shared head) or task-incremental (one head per experience)")
            .source("e.g. van de Ven, Tuytelaars & Tolias 2022")
            .params(CLASSES_PER_EXPERIENCE, CLASS_ORDER,
                    Param.flag("task_incremental", false, "one head per experience and the task id at test time"))
            .requires(DataSources.CLASS_TARGETS)
            .provides(v -> Set.of(v.flag("task_incremental") ? Scenario.TASK_INCREMENTAL : Scenario.CLASS_INCREMENTAL))
            .factory((v, c) -> split(c.data().train(), c.data().test(), v.get(CLASSES_PER_EXPERIENCE),
                    classOrder(v, c), v.flag("task_incremental")));

    @Registered
    public static final Component<Scenario.Context, Scenario> ONLINE = Component.of(Scenario.KIND, "online")
            .summary("online class-incremental split with blurry boundaries: a share of each experience's samples moves to others")
            .source("e.g. Aljundi et al. 2019; Koh et al. 2022")
            .params(CLASSES_PER_EXPERIENCE, CLASS_ORDER,
                    Param.number("overlap", 0.1, "share of each experience's training samples moved to other experiences").inHalfOpen(0, 1))
            .requires(DataSources.CLASS_TARGETS)
            .provides(Scenario.CLASS_INCREMENTAL)
            .tag(SINGLE_PASS)
            .factory((v, c) -> blurry(split(c.data().train(), c.data().test(), v.get(CLASSES_PER_EXPERIENCE), classOrder(v, c), false),
                    v.number("overlap"), c.seed()));

    @Registered
    public static final Component<Scenario.Context, Scenario> PERMUTED = Component.of(Scenario.KIND, "permuted")
            .summary("domain-incremental permuted inputs: experience 1 the original, each later one a fixed random feature permutation")
            .source("Goodfellow et al. 2014; Kirkpatrick et al. 2017")
            .params(TASKS, Param.flag("permute_first", false,
                    "permute experience 1 too (false: it sees the original inputs, as in Goodfellow et al.; several libraries permute every experience)"))
            .provides(Scenario.DOMAIN_INCREMENTAL)
            .factory((v, c) -> permuted(c.data().train(), c.data().test(), v.get(TASKS), v.flag("permute_first"), c.seed()));

    @Registered
    public static final Component<Scenario.Context, Scenario> ROTATED = Component.of(Scenario.KIND, "rotated")
            .summary("domain-incremental rotated images: experience t sees every image rotated by its angle (bilinear)")
            .source("Lopez-Paz & Ranzato 2017")
            .params(ROTATED_TASKS, ANGLES, MAX_DEGREES)
            .requires(DataSources.IMAGES)
            .provides(Scenario.DOMAIN_INCREMENTAL)
            .factory((v, c) -> rotated(c.data().train(), c.data().test(), angles(v)));

    @Registered
    public static final Component<Scenario.Context, Scenario> LONG = Component.of(Scenario.KIND, "long")
            .summary("a long stream of small tasks for plasticity studies: permuted inputs, permuted labels, or random labels to memorize")
            .source("Dohare et al. 2024; Elsayed & Mahmood 2024")
            .params(Param.choice("kind", "permuted", "what changes between tasks", "permuted", "label-permuted", "random-label"),
                    Param.integer("tasks", 100, "number of tasks").atLeast(1).atMost(1_000_000),
                    Param.integer("samples_per_task", 500, "training samples per task").atLeast(1))
            .provides(Scenario.DOMAIN_INCREMENTAL)
            .factory((v, c) -> longStream(c.data().train(), c.data().test(), v.text("kind"), v.integer("tasks"),
                    v.integer("samples_per_task"), c.seed()));

    private Scenarios() {
    }

    private static Object classOrder(Object raw) {
        if ("random".equals(raw)) {
            return raw;
        }
        if (raw instanceof List<?> list) {
            List<Integer> out = new ArrayList<>();
            for (Object x : list) {
                if (!(x instanceof Integer i)) {
                    throw new IllegalArgumentException("expected a list of class ids or \"random\"");
                }
                out.add(i);
            }
            return List.copyOf(out);
        }
        throw new IllegalArgumentException("expected a list of class ids or \"random\"");
    }

    private static int[] classOrder(Values v, Scenario.Context c) {
        Object order = v.get(CLASS_ORDER);
        if (order == null) {
            return null;
        }
        if (order.equals("random")) {
            return randomClassOrder(c.data().train().numClasses(), c.seed());
        }
        return ((List<?>) order).stream().mapToInt(x -> (Integer) x).toArray();
    }

    private static double[] angles(Values v) {
        List<Double> given = v.get(ANGLES);
        Integer tasks = v.get(ROTATED_TASKS);
        if (given == null) {
            return evenAngles(tasks == null ? 5 : tasks, v.get(MAX_DEGREES));
        }
        if (tasks != null && tasks != given.size()) {
            throw new PerennialException("scenario.angles: lists " + given.size() + " angles for " + tasks + " tasks");
        }
        return given.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Split by class groups. Class-incremental: one shared head over all classes, labels unchanged.
     * Task-incremental: one head per experience, labels renumbered 0..k-1 within the experience.
     *
     * @param classOrder order in which classes arrive; {@code null} for 0..C-1
     */
    public static Scenario split(Dataset train, Dataset test, int classesPerExperience, int[] classOrder,
            boolean taskIncremental) {
        int numClasses = train.numClasses();
        int[] order = classOrder == null ? range(numClasses) : classOrder.clone();
        checkOrder(order, numClasses);
        if (classesPerExperience <= 0 || order.length % classesPerExperience != 0) {
            throw new PerennialException("scenario.classes_per_experience: " + classesPerExperience
                    + " must divide the number of classes (" + order.length + ")");
        }
        int count = order.length / classesPerExperience;
        List<Experience> experiences = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int[] classes = Arrays.copyOfRange(order, e * classesPerExperience, (e + 1) * classesPerExperience);
            Dataset tr = ofClasses(train, classes, e, taskIncremental);
            Dataset te = ofClasses(test, classes, e, taskIncremental);
            experiences.add(new Experience(e, tr, te, e, classes));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", taskIncremental ? "split-task-incremental" : "split-class-incremental");
        settings.put("classes_per_experience", classesPerExperience);
        settings.put("class_order", order);
        return new Scenario(taskIncremental ? "split task-IL" : "split class-IL", experiences,
                taskIncremental ? classesPerExperience : numClasses, taskIncremental ? count : 1,
                taskIncremental ? Scenario.TASK_INCREMENTAL : Scenario.CLASS_INCREMENTAL, settings);
    }

    /** Class order 0..C-1 shuffled by {@code seed}. */
    public static int[] randomClassOrder(int numClasses, long seed) {
        return shuffled(range(numClasses), new SplittableRandom(seed));
    }

    /** {@link #permuted(Dataset, Dataset, int, boolean, long)} with the original inputs in experience 0. */
    public static Scenario permuted(Dataset train, Dataset test, int tasks, long seed) {
        return permuted(train, test, tasks, false, seed);
    }

    /**
     * Domain-incremental permuted inputs: experience t sees a fixed random permutation of the input features, except
     * experience 0, which sees the original inputs unless {@code permuteFirst}. One shared head. The permutations of the
     * later experiences are the same either way.
     */
    public static Scenario permuted(Dataset train, Dataset test, int tasks, boolean permuteFirst, long seed) {
        requireTasks(tasks);
        SplittableRandom rng = new SplittableRandom(seed);
        int features = train.featureCount();
        int[] first = permuteFirst ? shuffled(range(features), new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L)) : range(features);
        List<Experience> experiences = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            int[] perm = t == 0 ? first : shuffled(range(features), rng);
            experiences.add(new Experience(t, train.permuteFeatures(perm).named("permuted-" + t),
                    test.permuteFeatures(perm).named("permuted-" + t), t, range(train.numClasses())));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", "permuted");
        settings.put("tasks", tasks);
        settings.put("permutation_seed", seed);
        settings.put("permute_first", permuteFirst);
        return new Scenario("permuted", experiences, train.numClasses(), 1, Scenario.DOMAIN_INCREMENTAL, settings);
    }

    /**
     * Domain-incremental rotated images: experience t sees every image rotated by {@code angles[t]}
     * degrees (bilinear). One shared head.
     */
    public static Scenario rotated(Dataset train, Dataset test, double[] angles) {
        requireTasks(angles.length);
        if (!(train instanceof ByteDataset tr) || !(test instanceof ByteDataset te)) {
            throw new PerennialException("scenario rotated needs image data (e.g. fashion-mnist), got " + train.name());
        }
        List<Experience> experiences = new ArrayList<>();
        for (int t = 0; t < angles.length; t++) {
            String name = "rotated-" + angles[t];
            experiences.add(new Experience(t, tr.rotate(angles[t]).named(name), te.rotate(angles[t]).named(name), t,
                    range(train.numClasses())));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", "rotated");
        settings.put("angles", angles);
        return new Scenario("rotated", experiences, train.numClasses(), 1, Scenario.DOMAIN_INCREMENTAL, settings);
    }

    /** {@code tasks} angles evenly spaced from 0 to {@code maxDegrees}. */
    public static double[] evenAngles(int tasks, double maxDegrees) {
        double[] out = new double[tasks];
        for (int t = 0; t < tasks; t++) {
            out[t] = tasks == 1 ? 0 : maxDegrees * t / (tasks - 1);
        }
        return out;
    }

    /**
     * Blurry task boundaries for online learning: a fraction {@code overlap} of each experience's training
     * samples is moved to another experience chosen uniformly at random, so classes leak across
     * boundaries (as in the "blurry" online protocols). Test sets are unchanged.
     */
    public static Scenario blurry(Scenario base, double overlap, long seed) {
        if (!(overlap >= 0 && overlap < 1)) {
            throw new PerennialException("scenario.overlap: " + overlap + " must be in [0, 1)");
        }
        int n = base.size();
        if (n < 2 || overlap == 0) {
            return withSetting(base, "overlap", overlap);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<Dataset>> parts = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            parts.add(new ArrayList<>());
        }
        for (Experience e : base.experiences()) {
            int[] order = shuffled(range(e.train().size()), rng);
            int moved = (int) Math.round(overlap * order.length);
            parts.get(e.index()).add(e.train().select(Arrays.copyOfRange(order, moved, order.length)));
            List<List<Integer>> to = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                to.add(new ArrayList<>());
            }
            for (int i = 0; i < moved; i++) {
                int target = rng.nextInt(n - 1);
                to.get(target >= e.index() ? target + 1 : target).add(order[i]);
            }
            for (int k = 0; k < n; k++) {
                if (!to.get(k).isEmpty()) {
                    parts.get(k).add(e.train().select(to.get(k).stream().mapToInt(Integer::intValue).toArray()));
                }
            }
        }
        List<Experience> experiences = new ArrayList<>();
        for (Experience e : base.experiences()) {
            Dataset mixed = HostDataset.concat(e.train().name(), parts.get(e.index()));
            // shuffle so the leaked samples are spread through the experience, not appended at its end
            experiences.add(new Experience(e.index(), mixed.select(shuffled(range(mixed.size()), rng)), e.test(), e.taskId(),
                    e.classes()));
        }
        Scenario blurred = new Scenario(base.name() + " blurry", experiences, base.outputs(), base.heads(), base.setting(),
                base.settings());
        return withSetting(blurred, "overlap", overlap);
    }

    /**
     * A long stream of small tasks for plasticity studies. {@code permuted}: each task is a random subset of
     * {@code samplesPerTask} training samples under a fresh input permutation, tested on test samples
     * under the same permutation. {@code label-permuted}: each task is a random subset whose class labels go through a
     * fresh permutation of the classes, tested on test samples under the same relabelling (the inputs never change,
     * what they mean does). {@code random-label}: each task is a random subset with fresh uniformly
     * random labels, tested on the same samples (how well the network can still memorize).
     */
    public static Scenario longStream(Dataset train, Dataset test, String kind, int tasks, int samplesPerTask, long seed) {
        requireTasks(tasks);
        if (samplesPerTask <= 0 || samplesPerTask > train.size()) {
            throw new PerennialException("scenario.samples_per_task: " + samplesPerTask + " must be in 1.." + train.size());
        }
        if (train.regression() && !kind.equals("permuted")) {
            throw new PerennialException("scenario.kind: " + kind + " changes class labels, but " + train.name()
                    + " has numeric targets; use kind permuted");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int features = train.featureCount();
        int classes = train.numClasses();
        List<Experience> experiences = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            int[] pick = Arrays.copyOf(shuffled(range(train.size()), rng), samplesPerTask);
            String name = kind + "-" + t;
            Dataset tr;
            Dataset te;
            switch (kind) {
                case "permuted" -> {
                    int[] perm = shuffled(range(features), rng);
                    tr = train.select(pick).permuteFeatures(perm).named(name);
                    int[] testPick = Arrays.copyOf(shuffled(range(test.size()), rng), Math.min(samplesPerTask, test.size()));
                    te = test.select(testPick).permuteFeatures(perm).named(name);
                }
                case "label-permuted" -> {
                    int[] relabel = shuffled(range(classes), rng);
                    tr = relabelled(train.select(pick), relabel).named(name);
                    int[] testPick = Arrays.copyOf(shuffled(range(test.size()), rng), Math.min(samplesPerTask, test.size()));
                    te = relabelled(test.select(testPick), relabel).named(name);
                }
                case "random-label" -> {
                    int[] labels = new int[samplesPerTask];
                    for (int i = 0; i < labels.length; i++) {
                        labels[i] = rng.nextInt(classes);
                    }
                    tr = train.select(pick).withLabels(labels, classes).named(name);
                    te = tr;
                }
                default -> throw new PerennialException("scenario.kind: unknown long-stream kind '" + kind
                        + "'; choose permuted, label-permuted or random-label");
            }
            experiences.add(new Experience(t, tr, te, t, range(classes)));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", "long");
        settings.put("kind", kind);
        settings.put("tasks", tasks);
        settings.put("samples_per_task", samplesPerTask);
        settings.put("seed", seed);
        return new Scenario("long " + kind, experiences, classes, 1, Scenario.DOMAIN_INCREMENTAL, settings);
    }

    /**
     * {@code later}'s experiences after {@code earlier}'s, numbered on (a finished run continued on new data). Both
     * must be single-head streams and {@code later}'s classes must fit {@code earlier}'s outputs, since the model is kept.
     */
    public static Scenario append(Scenario earlier, Scenario later) {
        if (earlier.heads() != 1 || later.heads() != 1) {
            throw new PerennialException("scenario: a continued run appends experiences to a single-head stream; "
                    + (earlier.heads() != 1 ? "the finished run's" : "the new") + " stream has one head per task");
        }
        if (later.outputs() > earlier.outputs()) {
            throw new PerennialException("scenario: the new stream has " + later.outputs() + " classes, the continued model "
                    + earlier.outputs() + " outputs");
        }
        List<Experience> all = new ArrayList<>(earlier.experiences());
        for (Experience e : later.experiences()) {
            all.add(new Experience(earlier.size() + e.index(), e.train(), e.test(), e.taskId(), e.classes()));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", "continued");
        settings.put("first", earlier.settings());
        settings.put("then", later.settings());
        return new Scenario(earlier.name() + ", then " + later.name(), all, earlier.outputs(), 1, later.setting(), settings);
    }

    private static Dataset relabelled(Dataset data, int[] relabel) {
        int[] labels = new int[data.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = relabel[data.label(i)];
        }
        return data.withLabels(labels, relabel.length);
    }

    private static Scenario withSetting(Scenario s, String key, Object value) {
        Map<String, Object> settings = new LinkedHashMap<>(s.settings());
        settings.put(key, value);
        return new Scenario(s.name(), s.experiences(), s.outputs(), s.heads(), s.setting(), settings);
    }

    private static Dataset ofClasses(Dataset data, int[] classes, int experience, boolean taskIncremental) {
        int[] local = new int[data.numClasses()];
        Arrays.fill(local, -1);
        for (int i = 0; i < classes.length; i++) {
            local[classes[i]] = i;
        }
        int count = 0;
        for (int i = 0; i < data.size(); i++) {
            if (local[data.label(i)] >= 0) {
                count++;
            }
        }
        int[] indices = new int[count];
        int k = 0;
        for (int i = 0; i < data.size(); i++) {
            if (local[data.label(i)] >= 0) {
                indices[k++] = i;
            }
        }
        Dataset subset = data.select(indices).named(data.name() + " classes " + Arrays.toString(classes));
        if (!taskIncremental) {
            return subset;
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = local[subset.label(i)];
        }
        return subset.withLabels(labels, classes.length).withTask(experience);
    }

    private static void checkOrder(int[] order, int numClasses) {
        boolean[] seen = new boolean[numClasses];
        for (int c : order) {
            if (c < 0 || c >= numClasses || seen[c]) {
                throw new PerennialException("scenario.class_order: " + Arrays.toString(order)
                        + " must list each class 0.." + (numClasses - 1) + " exactly once");
            }
            seen[c] = true;
        }
        if (order.length != numClasses) {
            throw new PerennialException("scenario.class_order: lists " + order.length + " classes, the data has " + numClasses);
        }
    }

    private static void requireTasks(int tasks) {
        if (tasks < 1) {
            throw new PerennialException("scenario.tasks: must be at least 1, got " + tasks);
        }
    }
}
