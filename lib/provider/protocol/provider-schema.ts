/**
 * A `BlockDefinition` as Terraform sees it: the `Schema` message (attribute types as the JSON of their cty type)
 * and the object type its values have on the wire.
 */
import type { BlockDefinition, CtyType } from "./provider-definition";
import type { WireMessage } from "./wire-services";

/** The `Schema` message for a block. */
export function schemaMessage(block: BlockDefinition): WireMessage {
  return {
    version: block.version,
    block: {
      version: block.version,
      description: block.description,
      attributes: Object.entries(block.attributes).map(([name, attribute]) => ({
        name,
        type: Buffer.from(JSON.stringify(attribute.type)),
        description: attribute.description,
        required: attribute.required === true,
        optional: attribute.optional === true,
        computed: attribute.computed === true,
        sensitive: attribute.sensitive === true,
      })),
    },
  };
}

/** The cty object type of a block's values. */
export function objectType(block: BlockDefinition): CtyType {
  return ["object", Object.fromEntries(Object.entries(block.attributes).map(([name, attribute]) => [name, attribute.type]))];
}
