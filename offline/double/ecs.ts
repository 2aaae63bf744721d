/** What the cloud double knows of ECS beyond single records: the image a task definition runs. */
import { CloudStore, reveal } from "./store";

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/**
 * The image the essential container of a task definition runs (`<repository>:<tag>` or
 * `<repository>@<digest>`), or undefined when the double has no such task definition.
 */
export function taskDefinitionImage(store: CloudStore, taskDefinitionArn: unknown): string | undefined {
  const record = store.get(TASK_DEFINITION, String(reveal(taskDefinitionArn) ?? ""));
  const raw = reveal(record?.properties.containerDefinitions);
  if (typeof raw !== "string") {
    return undefined;
  }
  try {
    const containers = JSON.parse(raw) as { image?: string; essential?: boolean }[];
    return (containers.find((c) => c.essential !== false) ?? containers[0])?.image;
  } catch {
    return undefined;
  }
}
