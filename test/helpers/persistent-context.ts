/**
 * A Node-RED context store kept outside the runtime, as a file store survives a restart: values
 * are kept as JSON text per scope, answers come asynchronously as a file store's do.
 */
type Callback = (err: Error | null, ...values: unknown[]) => void;

/** Scope -> key -> JSON text. */
export type StoredContext = Map<string, Map<string, string>>;

/** The `module` of a `contextStorage` entry: `helper.settings({contextStorage: {default: {module}}})`. */
export function persistentContextStore(data: StoredContext): () => unknown {
  const scopeOf = (scope: string): Map<string, string> => {
    let values = data.get(scope);
    if (!values) {
      values = new Map();
      data.set(scope, values);
    }
    return values;
  };
  const read = (scope: string, key: string): unknown => {
    const text = data.get(scope)?.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  };
  return () => ({
    open: () => Promise.resolve(),
    close: () => Promise.resolve(),
    get(scope: string, key: string | string[], callback?: Callback) {
      const value = Array.isArray(key) ? key.map((k) => read(scope, k)) : read(scope, key);
      if (!callback) return value;
      setImmediate(() => (Array.isArray(value) ? callback(null, ...value) : callback(null, value)));
      return undefined;
    },
    set(scope: string, key: string, value: unknown, callback?: Callback) {
      if (value === undefined) scopeOf(scope).delete(key);
      else scopeOf(scope).set(key, JSON.stringify(value));
      if (callback) setImmediate(() => callback(null));
    },
    keys(scope: string, callback?: Callback) {
      const keys = [...(data.get(scope)?.keys() ?? [])];
      if (!callback) return keys;
      setImmediate(() => callback(null, keys));
      return undefined;
    },
    delete(scope: string) {
      data.delete(scope);
      return Promise.resolve();
    },
    // A restart removes no context: only nodes deleted from the flows lose theirs.
    clean: () => Promise.resolve(),
  });
}
