package ai.perennial.cl.strategy;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.state.StateDict;
import java.util.List;
import java.util.function.UnaryOperator;

/** The frozen previous model that distillation methods learn from; each snapshot frees the one before. */
public final class Teacher {
    private NDManager manager;
    private Model model;

    /** Freezes a copy of {@code current} (read out through {@code view}, e.g. a bias correction). */
    public Model snapshot(Model current, NDManager parent, UnaryOperator<Model> view) {
        if (manager != null) {
            manager.close();
        }
        manager = parent.newSubManager();
        model = view.apply(current.frozenCopy(manager));
        return model;
    }

    public Model model() {
        return model;
    }

    /** The frozen copy's weights and batch-norm statistics, when there is one. */
    public void exportTo(StateDict out, String prefix) {
        out.putCounter(prefix + "present", model == null ? 0 : 1);
        if (model != null) {
            List<Parameter> p = model.parameters();
            for (int i = 0; i < p.size(); i++) {
                out.putArray(prefix + i, p.get(i).array());
            }
            List<Parameter> b = model.buffers();
            for (int i = 0; i < b.size(); i++) {
                out.putArray(prefix + "buffer." + i, b.get(i).array());
            }
        }
    }

    /** A frozen copy of {@code current}'s architecture with the exported weights, read out through {@code view}. */
    public void importFrom(StateDict in, String prefix, Model current, NDManager parent, UnaryOperator<Model> view) {
        if (manager != null) {
            manager.close();
            manager = null;
            model = null;
        }
        if (in.counter(prefix + "present") == 1) {
            snapshot(current, parent, view);
            List<Parameter> p = model.parameters();
            for (int i = 0; i < p.size(); i++) {
                in.copyInto(prefix + i, p.get(i).array());
            }
            List<Parameter> b = model.buffers();
            for (int i = 0; i < b.size(); i++) {
                in.copyInto(prefix + "buffer." + i, b.get(i).array());
            }
        }
    }

    /**
     * 1 for every class of the experiences before {@code index} (within {@code outputs} units), else 0;
     * {@code null} when every unit is old (domain-incremental streams share all classes).
     */
    public static float[] oldClassMask(List<Experience> stream, int index, int outputs) {
        float[] mask = new float[outputs];
        boolean all = true;
        for (Experience e : stream.subList(0, index)) {
            for (int cls : e.classes()) {
                if (cls < outputs) {
                    mask[cls] = 1;
                }
            }
        }
        for (float m : mask) {
            all &= m == 1;
        }
        return all ? null : mask;
    }
}
