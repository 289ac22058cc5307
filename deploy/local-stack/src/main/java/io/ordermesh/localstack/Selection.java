package io.ordermesh.localstack;

import java.util.ArrayList;
import java.util.List;

/** Which infrastructure components and services a command acts on. */
record Selection(List<Component> components, List<Service> services) {

    /**
     * @param names      component ids, service ids, {@code infra} or {@code all}
     * @param emptyIsAll without names: everything ({@code down}) or the infrastructure only ({@code up})
     */
    static Selection parse(List<String> names, boolean emptyIsAll) {
        if (names.isEmpty()) {
            return emptyIsAll ? all() : new Selection(List.of(Component.values()), List.of());
        }
        List<Component> components = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        for (String name : names) {
            switch (name) {
                case "all" -> {
                    return all();
                }
                case "infra" -> components.addAll(List.of(Component.values()));
                default -> {
                    var c = Component.byId(name);
                    var s = Service.byId(name);
                    if (c.isPresent()) {
                        components.add(c.get());
                    } else if (s.isPresent()) {
                        services.add(s.get());
                    } else {
                        throw new IllegalArgumentException("unknown name '" + name + "': expected all, infra, "
                                + "postgres, redis, mongo, s3, sqs, kafka, ims-api, oms-api, csv-processor, "
                                + "order-finalizer or webhook-dispatcher");
                    }
                }
            }
        }
        return new Selection(components.stream().distinct().toList(), services.stream().distinct().toList());
    }

    private static Selection all() {
        return new Selection(List.of(Component.values()), List.of(Service.values()));
    }
}
