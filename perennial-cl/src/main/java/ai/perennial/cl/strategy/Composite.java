package ai.perennial.cl.strategy;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Several strategies at once (e.g. a regularizer with a replay method, {@code ewc+er}): every hook runs for
 * each member in order, gradient and batch transforms chain, extra losses add up. At most one member
 * may choose the training data (the first that departs from the experience's own data wins).
 */
public final class Composite implements Strategy {
    private final List<Strategy> parts;

    public Composite(List<Strategy> parts) {
        this.parts = List.copyOf(parts);
    }

    /** The members, in the order their hooks run. */
    public List<Strategy> members() {
        return parts;
    }

    @Override
    public String name() {
        return parts.stream().map(Strategy::name).collect(Collectors.joining("+"));
    }

    @Override
    public void beforeExperience(List<Experience> stream, int index) {
        parts.forEach(s -> s.beforeExperience(stream, index));
    }

    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        Dataset own = stream.get(index).train();
        Dataset chosen = own;
        for (Strategy s : parts) {
            Dataset d = s.trainingData(stream, index);
            if (chosen == own && d != own) {
                chosen = d;
            }
        }
        return chosen;
    }

    @Override
    public int trainingSize(List<Experience> stream, int index) {
        int own = stream.get(index).train().size();
        for (Strategy s : parts) {
            int size = s.trainingSize(stream, index);
            if (size != own) {
                return size;
            }
        }
        return own;
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        parts.forEach(s -> s.onExperienceStart(c));
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        parts.forEach(s -> s.onExperienceEnd(c));
    }

    @Override
    public Batch adaptBatch(TrainingContext c, Batch batch) {
        Batch b = batch;
        for (Strategy s : parts) {
            b = s.adaptBatch(c, b);
        }
        return b;
    }

    @Override
    public void afterForward(TrainingContext c, Batch batch, NDArray logits) {
        parts.forEach(s -> s.afterForward(c, batch, logits));
    }

    @Override
    public boolean readsHidden() {
        return parts.stream().anyMatch(Strategy::readsHidden);
    }

    @Override
    public void afterHidden(TrainingContext c, Batch batch, List<NDArray> hidden) {
        parts.stream().filter(Strategy::readsHidden).forEach(s -> s.afterHidden(c, batch, hidden));
    }

    @Override
    public NDArray extraLoss(TrainingContext c, Batch batch, NDArray logits) {
        NDArray total = null;
        for (Strategy s : parts) {
            NDArray term = s.extraLoss(c, batch, logits);
            if (term != null) {
                total = total == null ? term : total.add(term);
            }
        }
        return total;
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        List<NDArray> g = grads;
        for (Strategy s : parts) {
            g = s.transformGradients(c, g);
        }
        return g;
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        parts.forEach(s -> s.afterUpdate(c, batch));
    }

    @Override
    public Model evaluationModel(Model trained) {
        Model m = trained;
        for (Strategy s : parts) {
            m = s.evaluationModel(m);
        }
        return m;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        for (int i = 0; i < parts.size(); i++) {
            StateDict s = parts.get(i).exportState();
            if (s == null) {
                return null;
            }
            out.putAll("member." + i + ".", s);
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        for (int i = 0; i < parts.size(); i++) {
            parts.get(i).importState(in.child("member." + i + "."), c);
        }
    }

    @Override
    public long bufferBytes() {
        return parts.stream().mapToLong(Strategy::bufferBytes).sum();
    }
}
