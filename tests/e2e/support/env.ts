// Where the servers started by `cargo xtask test` are.
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the journeys with \`cargo xtask test\``);
  }
  return value;
}

/** The app served at `/` by a plain static server with an SPA fallback. */
export const appUrl = () => required("BAOMING_APP_URL");
/** The same build served under `/baoming/`. */
export const subpathUrl = () => required("BAOMING_APP_SUBPATH_URL");
/** The reference backend's origin. */
export const apiOrigin = () => required("BAOMING_API_ORIGIN");
/** The app pointed at a second backend, which takes payments through the WeChat Pay double. */
export const wechatAppUrl = () => required("BAOMING_WECHAT_APP_URL");
/** That backend's origin. */
export const wechatApiOrigin = () => required("BAOMING_WECHAT_API_ORIGIN");
/** The WeChat Pay double (`wechatpay-double`). */
export const wechatDoubleUrl = () => required("BAOMING_WECHAT_DOUBLE_URL");
