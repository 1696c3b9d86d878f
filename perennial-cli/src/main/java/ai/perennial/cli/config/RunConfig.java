package ai.perennial.cli.config;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One whole continual-learning run, as written in a YAML file (keys in snake_case). Missing keys take
 * the defaults below; unknown keys are errors. {@link ConfigLoader} binds and validates it.
 */
public final class RunConfig {
    public String name = "run";
    public long seed = 1;
    public DatasetConfig dataset = new DatasetConfig();
    public ScenarioConfig scenario = new ScenarioConfig();
    public ModelConfig model = new ModelConfig();
    public OptimizerConfig optimizer = new OptimizerConfig();
    public TrainingConfig training = new TrainingConfig();
    public StrategyConfig strategy = new StrategyConfig();
    public EvaluationConfig evaluation = new EvaluationConfig();

    public static final class DatasetConfig {
        /** fashion-mnist, idx, gaussian-clusters, linear-teacher. */
        public String name = "fashion-mnist";
        public String dataDir;
    }

    public static final class ScenarioConfig {
        /** split, permuted, rotated, online, long. */
        public String type = "split";
        public Integer classesPerExperience;
        /** A list of class ids, or the string "random" (shuffled by the seed). */
        public JsonNode classOrder;
        public Boolean taskIncremental;
        public Integer tasks;
        public List<Double> angles;
        public Double maxDegrees;
        public Double overlap;
        public String kind;
        public Integer samplesPerTask;
    }

    public static final class ModelConfig {
        public String kind = "mlp";
        public List<Integer> hidden = new ArrayList<>(List.of(400, 400));
    }

    public static final class OptimizerConfig {
        public String name = "adamw";
        public double lr = 1e-3;
        public Double momentum;
        public Double weightDecay;
        public double beta1 = 0.9;
        public double beta2 = 0.999;
        public double eps = 1e-8;
        public String schedule = "constant";
        public long warmupSteps = 0;
        /** SAM radius around the recipe (0 = off). */
        public double samRho = 0;
        /** Global-norm gradient clipping (0 = off). */
        public double clipNorm = 0;
        /** "all", or "weights" for no decay on biases. */
        public String decayMask = "all";
        /** SGLD temperature. */
        public double temperature = 1e-5;
        /** UPGD perturbation σ. */
        public double noise = 1e-3;
    }

    public static final class TrainingConfig {
        public int epochs = 1;
        public int batchSize = 128;
        /** Optional weight average used for the accuracy matrix: ema:DECAY or swa:START[:EVERY]. */
        public String average;
    }

    /** {@code name} plus the strategy's own hyperparameters, which the strategy checks by name. */
    public static final class StrategyConfig {
        public String name = "naive";
        private final Map<String, Object> params = new LinkedHashMap<>();

        @JsonAnySetter
        public void set(String key, Object value) {
            params.put(key, value);
        }

        @JsonAnyGetter
        public Map<String, Object> params() {
            return params;
        }
    }

    public static final class EvaluationConfig {
        /** Continual evaluation every this many optimizer steps; 0 turns it off. */
        public int everySteps = 50;
        public int subsetSize = 500;
        public int batchSize = 1000;
        /** full: every experience after each round; diagonal: only the one just trained (long streams). */
        public String matrix = "full";
        /** Window of the windowed-forgetting metric, in optimizer steps. */
        public long window = 100;
    }
}
