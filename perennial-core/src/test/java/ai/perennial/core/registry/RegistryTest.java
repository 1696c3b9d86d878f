package ai.perennial.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryTest {
    static final Kind<Long, String> TOY = Kind.of("toy", "toys", "things for this test");
    static final Trait RED = new Trait("colour", "red", "a red thing");
    static final Trait BLUE = new Trait("colour", "blue", "a blue thing");

    @Test
    void parametersConvertWhatConfigsAndFlagsGive() {
        Param<Double> lr = Param.number("lr", 1e-3, "rate").positive();
        assertThat(lr.parse(null, "o.lr", "x")).isEqualTo(1e-3);
        assertThat(lr.parse(2, "o.lr", "x")).isEqualTo(2.0);
        assertThat(lr.parse("1e-3", "o.lr", "x")).isEqualTo(1e-3); // YAML 1.1 reads 1e-3 as text
        assertThatThrownBy(() -> lr.parse("fast", "o.lr", "x")).isInstanceOf(PerennialException.class)
                .hasMessage("o.lr: expected a number, got 'fast'");
        assertThatThrownBy(() -> lr.parse(-1.0, "o.lr", "x")).hasMessage("o.lr: must be > 0, got -1");
        assertThatThrownBy(() -> lr.parse(Double.NaN, "o.lr", "x")).hasMessage("o.lr: expected a finite number, got NaN");
        assertThatThrownBy(() -> lr.parse(".inf", "o.lr", "x")).hasMessageContaining("expected a finite number");

        Param<Integer> memory = Param.integer("memory", 500, "slots").atLeast(1).atMost(1000);
        assertThat(memory.parse(1e2, "s.memory", "x")).isEqualTo(100);
        assertThat(memory.parse("12", "s.memory", "x")).isEqualTo(12);
        assertThatThrownBy(() -> memory.parse(12.5, "s.memory", "x")).hasMessage("s.memory: expected a whole number, got 12.5");
        assertThatThrownBy(() -> memory.parse(1e9, "s.memory", "x")).hasMessage("s.memory: must be <= 1000, got 1000000000");
        assertThatThrownBy(() -> memory.parse(3e10, "s.memory", "x")).hasMessageContaining("between");
        assertThatThrownBy(() -> memory.parse(0, "s.memory", "x")).hasMessage("s.memory: must be >= 1, got 0");

        Param<List<Integer>> hidden = Param.integers("hidden", List.of(4), "sizes").atLeast(1);
        assertThat(hidden.parse("400,200", "m.hidden", "x")).containsExactly(400, 200);
        assertThat(hidden.parse(List.of(3), "m.hidden", "x")).containsExactly(3);
        assertThatThrownBy(() -> hidden.parse(List.of(3, -1), "m.hidden", "x")).hasMessage("m.hidden: must be each >= 1, got [3, -1]");

        Param<String> policy = Param.choice("policy", "a", "how", "a", "b");
        assertThatThrownBy(() -> policy.parse("c", "s.policy", "x")).hasMessage("s.policy: must be one of a, b, got 'c'");
        Param<Boolean> flag = Param.flag("on", false, "switch");
        assertThat(flag.parse("true", "k.on", "x")).isTrue();
        assertThatThrownBy(() -> flag.parse("yes", "k.on", "x")).hasMessage("k.on: expected true or false, got 'yes'");
        Param<String> dir = Param.text("dir", null, "where").required();
        assertThatThrownBy(() -> dir.parse(null, "d.dir", "dataset idx")).hasMessage("d.dir: required by dataset idx (where)");
    }

    @Test
    void valuesHoldEveryDeclaredParameterAndRejectUnknownKeys() {
        Param<Double> a = Param.number("a", 1.0, "first");
        Param<Integer> b = Param.integer("b", null, "second, unset by default");
        Values v = Values.resolve(List.of(a, b), Map.of("a", 3), "s", "strategy x");
        assertThat(v.names()).containsExactly("a", "b"); // declaration order, unset kept
        assertThat(v.asMap()).containsEntry("a", 3.0).containsEntry("b", null);
        assertThat(v.get(a)).isEqualTo(3.0);
        assertThat(v.get(b, 7)).isEqualTo(7);
        assertThat(v.setValues()).containsOnlyKeys("a");
        assertThatThrownBy(() -> Values.resolve(List.of(a, b), Map.of("c", 1), "s", "strategy x"))
                .hasMessage("s.c: unknown parameter of strategy x; it takes a, b");
        assertThatThrownBy(() -> Values.resolve(List.of(), Map.of("c", 1), "s", "strategy y"))
                .hasMessage("s.c: unknown parameter of strategy y (it takes none)");
    }

    @Test
    void specsAreNameColonKeyValuePairs() {
        assertThat(Spec.parse("ema:decay=0.99", "w")).isEqualTo(new Spec("ema", Map.of("decay", "0.99")));
        assertThat(Spec.parse(" cosine ", "w").params()).isEmpty();
        assertThat(Spec.parse("swa:start=3,every=2", "w").toString()).isEqualTo("swa:start=3,every=2");
        assertThatThrownBy(() -> Spec.parse("swa:3", "w")).hasMessage("w: expected key=value, got '3'");
        assertThatThrownBy(() -> Spec.parse("swa:start=1,", "w")).hasMessageContaining("empty entry");
        assertThatThrownBy(() -> Spec.parse("swa:start=1,start=2", "w")).hasMessage("w: start is given twice");
        assertThatThrownBy(() -> Spec.parse(":a=1", "w")).hasMessageContaining("missing a name");
    }

    @Test
    void unmetNeedsNameBothSides() {
        Component<Long, String> painter = Component.of(TOY, "painter").summary("needs red").requires(RED).factory((v, s) -> "p");
        Component<Long, String> blue = Component.of(TOY, "sky").summary("gives blue").provides(BLUE).factory((v, s) -> "s");
        Component<Long, String> red = Component.of(TOY, "rose").summary("gives red").provides(RED).factory((v, s) -> "r");
        Chosen<Long, String> p = new Chosen<>(painter, Values.NONE, "first");
        Compatibility.check(List.of(p.part(), new Chosen<>(red, Values.NONE, "second").part()));
        assertThatThrownBy(() -> Compatibility.check(List.of(p.part(), new Chosen<>(blue, Values.NONE, "second").part())))
                .hasMessage("first.name: toy painter needs a red thing, but toy sky gives a blue thing; choose another toy or change the run");
        assertThatThrownBy(() -> Compatibility.check(List.of(p.part()))).hasMessageContaining("nothing in this run gives that");
    }

    @Test
    void declarationsAreCheckedWhenMade() {
        assertThatThrownBy(() -> Component.of(TOY, "Bad Name")).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> Param.number("camelCase", 1.0, "x")).hasMessageContaining("snake_case");
        assertThatThrownBy(() -> Component.of(TOY, "twice").summary("x").params(Param.number("a", 1.0, "x"), Param.number("a", 2.0, "y"))
                .factory((v, s) -> "")).hasMessageContaining("declares parameter a twice");
        Registry r = new Registry();
        Component<Long, String> one = Component.of(TOY, "one").summary("x").factory((v, s) -> "1");
        r.register(one);
        r.register(one); // the same declaration twice is harmless (two class loaders see one index)
        assertThatThrownBy(() -> r.register(Component.of(TOY, "one").summary("y").factory((v, s) -> "2")))
                .hasMessageContaining("toy 'one' is declared twice");
        assertThatThrownBy(() -> r.get(TOY, "two", "toy")).hasMessage("toy: unknown toy 'two'; choose one of one");
        assertThat(r.get(TOY, "one", "toy").build(Values.NONE, 1L)).isEqualTo("1");
    }

    @Test
    void theIndexFindsEveryCoreDeclaration() {
        Registry r = Registry.global();
        assertThat(r.names(DataSources.KIND)).containsExactly("cifar10", "cifar100", "csv", "drifting-regression", "fashion-mnist",
                "gaussian-clusters", "idx", "image-folder", "linear-teacher", "numpy");
        assertThat(r.names(Model.KIND)).containsExactly("cnn", "mlp", "resnet18");
        assertThat(r.names(Optimizers.KIND)).hasSize(15).contains("adamw", "sgld", "upgd", "adafactor");
        // by order: the low-rank projections are innermost (they see clipped gradients), clipping is applied inside SAM
        assertThat(r.names(Optimizers.WRAPPER)).containsExactly("galore", "plumage", "clip", "sam");
        assertThat(r.names(Schedule.KIND)).hasSize(12).contains("wsd", "refined");
        Set<String> shared = new java.util.HashSet<>();
        OptimizerConfig.sharedParams(r).forEach(p -> shared.add(p.name()));
        for (var recipe : r.all(Optimizers.KIND)) {
            for (Param<?> p : recipe.params()) {
                assertThat(shared).as("%s declares %s, a key every optimizer section already has", recipe.name(), p.name())
                        .doesNotContain(p.name());
            }
        }
    }

    @Test
    void optimizerSectionsTakeRecipeSharedAndWrapperKeys() {
        Map<String, Object> section = new LinkedHashMap<>(Map.of("name", "momentum", "lr", 0.05, "sam_rho", 0.05, "momentum", 0.8));
        OptimizerConfig c = OptimizerConfig.resolve(Registry.global(), section, "optimizer");
        assertThat(c.resolved()).containsEntry("name", "momentum").containsEntry("lr", 0.05).containsEntry("momentum", 0.8)
                .containsEntry("weight_decay", 0.0).containsEntry("sam_rho", 0.05).containsEntry("clip_norm", 0.0)
                .containsEntry("schedule", "constant");
        assertThatThrownBy(() -> OptimizerConfig.resolve(Registry.global(), Map.of("name", "adam", "momentum", 0.9), "optimizer"))
                .hasMessageStartingWith("optimizer.momentum: unknown parameter of optimizer adam; it takes beta1, beta2, eps, lr");
        assertThatThrownBy(() -> OptimizerConfig.resolve(Registry.global(), Map.of("name", "adam", "schedule", "cosin"), "optimizer"))
                .hasMessageContaining("unknown schedule 'cosin'");
    }
}
