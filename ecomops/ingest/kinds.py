"""The kinds of data an import can hold: target fields, their types, whether required, and header synonyms.

A field's synonyms are compared with file headers after normalisation (lower case, no spaces, underscores,
hyphens, dots, brackets or slashes), in order: an earlier synonym is a better match. English and Chinese names,
plus the real layouts of Shopify's orders export, UCI Online Retail, UCI Online Shoppers and Taobao/Tmall order
reports. docs/import.md lists them for users.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Field types understood by ecomops.ingest.parse.
ID, TEXT, INT, NUMBER, MONEY, DATE, TIMESTAMP, BOOL, STATUS = (
    "id", "text", "int", "number", "money", "date", "timestamp", "bool", "status")


@dataclass(frozen=True)
class Field:
    """One target field of a kind."""

    name: str
    type: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    label: str = ""  # what the user sees next to the field when mapping

    def describe(self) -> str:
        """Return the label shown to users."""
        return self.label or self.name


@dataclass(frozen=True)
class Kind:
    """One kind of import: its fields and the table(s) it loads."""

    name: str
    label: str
    fields: tuple[Field, ...]
    table: str
    key: tuple[str, ...] = ()  # natural key (duplicates within a file are rejected; existing rows are updated)
    signature: tuple[str, ...] = field(default=())  # headers typical only of this kind (boost detection)

    def field(self, name: str) -> Field:
        """Return the named field."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Return the names of the fields in display order."""
        return tuple(f.name for f in self.fields)


def normalise_header(text: str) -> str:
    """Return a header reduced for comparison: lower case, without spaces and punctuation."""
    text = (text or "").strip().lower().replace("\ufeff", "")
    return re.sub(r"[\s_\-./()（）\[\]【】:：#＃*]+", "", text)


F = Field

ORDERS = Kind(
    name="orders",
    label="Orders (one row per order line)",
    table="orders",
    key=("order_id",),
    signature=("invoiceno", "lineitemquantity", "订单编号", "订单号", "ordername", "stockcode", "宝贝标题"),
    fields=(
        F("order_id", ID, True, ("order_id", "orderid", "ordernumber", "orderno", "order", "amazonorderid",
                                 "invoiceno", "invoice", "invoicenumber", "name", "订单编号", "订单号", "主订单编号",
                                 "子订单编号", "订单id"),
          "Order number"),
        F("order_ts", TIMESTAMP, True, ("order_ts", "ordertime", "orderdate", "createdat", "orderedat", "invoicedate",
                                        "purchasedate", "orderpurchasetimestamp", "saledate", "date", "datetime",
                                        "下单时间", "订单创建时间", "订单提交时间", "创建时间", "订单成交时间", "成交时间",
                                        "拼单成功时间", "订单付款时间", "付款时间", "paidat", "日期", "时间"),
          "Order time"),
        F("paid_ts", TIMESTAMP, False, ("paid_ts", "paidat", "paiddate", "paidondate", "paymentdate", "paymenttime",
                                        "paymentsdate", "orderapprovedat", "订单付款时间", "付款时间", "支付时间",
                                        "支付完成时间", "买家付款时间", "付款确认时间"),
          "Payment time (blank = not paid, when the report has this column)"),
        F("shipped_ts", TIMESTAMP, False, ("shipped_ts", "shippedondate", "shippedat", "shipdate", "shippeddate",
                                           "fulfilledat", "发货时间", "卖家发货时间"),
          "Shipping time (non-blank = shipped, when there is no status)"),
        F("customer_id", ID, False, ("customer_id", "customerid", "customeruniqueid", "customer", "customerno",
                                     "userid", "buyer", "buyerid", "buyerusername", "email", "customeremail",
                                     "billingemail", "buyeremail", "买家会员名", "买家昵称", "买家id", "会员名",
                                     "下单帐号", "下单账号", "买家手机号", "客户id", "用户id", "会员id", "客户", "用户"),
          "Customer (blank = guest order)"),
        F("product_id", ID, False, ("product_id", "productid", "sku", "lineitemsku", "itemsku", "stockcode", "itemid",
                                    "itemproductid", "productcode", "variantsku", "itemnumber", "商家编码",
                                    "商家编码sku维度", "规格编码", "商品编码", "宝贝id", "商品id", "货号", "sku编码",
                                    "商品编号"),
          "Product id / SKU (blank = use the product name)"),
        F("product_name", TEXT, False, ("product_name", "productname", "product", "title", "producttitle",
                                        "lineitemname", "description", "itemname", "itemtitle", "宝贝标题", "商品标题",
                                        "商品名称", "选购商品", "宝贝名称", "商品名", "商品", "标题"),
          "Product name"),
        F("category", TEXT, False, ("category", "productcategory", "productcategoryname", "producttype", "类目",
                                    "商品类目", "品类", "分类"),
          "Product category"),
        F("quantity", INT, False, ("quantity", "qty", "quantitypurchased", "lineitemquantity", "itemquantity", "units",
                                   "购买数量", "宝贝数量", "商品数量", "商品数量件", "订购数量", "宝贝总数量", "数量",
                                   "件数"),
          "Quantity (default 1)"),
        F("unit_price", MONEY, False, ("unit_price", "unitprice", "price", "lineitemprice", "itemprice", "soldfor",
                                       "实际单价", "成交单价", "单价", "商品单价", "宝贝单价", "京东价", "价格"),
          "Unit price"),
        F("line_total", MONEY, False, ("line_total", "linetotal", "amount", "lineamount", "itemtotal", "total",
                                       "ordertotal", "商品实际成交金额", "商品金额小计", "商品总价元", "商品总价",
                                       "商品金额", "买家实际支付金额", "实付金额", "实际支付金额", "支付金额", "总金额",
                                       "金额", "订单金额"),
          "Line amount (unit price = amount / quantity when no unit price)"),
        F("status", STATUS, False, ("status", "orderstatus", "financialstatus", "state", "订单状态", "交易状态",
                                    "订单商品状态", "状态"),
          "Status"),
        F("fulfillment_status", TEXT, False, ("fulfillment_status", "fulfillmentstatus", "发货状态", "物流状态"),
          "Fulfilment status"),
        F("cancelled_at", TEXT, False, ("cancelled_at", "cancelledat", "canceledat", "cancelleddate", "取消时间",
                                        "关闭时间"),
          "Cancelled at (non-blank = cancelled)"),
        F("channel", TEXT, False, ("channel", "source", "saleschannel", "渠道", "来源", "订单来源", "流量来源",
                                   "订单渠道"),
          "Channel"),
        F("device", TEXT, False, ("device", "devicetype", "platform", "终端", "设备", "下单终端"), "Device"),
        F("campaign_id", ID, False, ("campaign_id", "campaignid", "campaign", "活动", "活动id", "活动名称"),
          "Campaign"),
        F("discount", MONEY, False, ("discount", "discountamount", "优惠金额", "折扣金额", "优惠", "店铺优惠"),
          "Order discount"),
        F("is_presale", BOOL, False, ("is_presale", "presale", "预售", "是否预售"), "Pre-sale"),
        F("country", TEXT, False, ("country", "billingcountry", "shippingcountry", "shipcountry", "buyercountry",
                                   "国家"), "Customer country"),
        F("city", TEXT, False, ("city", "billingcity", "shippingcity", "shipcity", "buyercity", "customercity",
                                "城市", "收货城市", "所在城市", "收货人城市", "市"), "Customer city"),
        F("currency", TEXT, False, ("currency", "currencycode", "ordercurrency", "币种", "货币"),
          "Currency (ISO code; checked against the store's)"),
    ),
)

CUSTOMERS = Kind(
    name="customers", label="Customers", table="customers", key=("customer_id",),
    signature=("signupdate", "membershiptier", "注册时间", "会员等级"),
    fields=(
        F("customer_id", ID, True, ("customer_id", "customerid", "customer", "userid", "id", "email", "会员名",
                                    "买家会员名", "客户id", "用户id", "会员id"), "Customer id"),
        F("signup_date", DATE, False, ("signup_date", "signupdate", "registered", "registrationdate", "createdat",
                                       "joined", "注册时间", "注册日期", "开卡时间"), "Sign-up date"),
        F("channel", TEXT, False, ("channel", "source", "acquisitionchannel", "渠道", "来源", "注册渠道"), "Channel"),
        F("membership_tier", TEXT, False, ("membership_tier", "membershiptier", "tier", "membership", "level",
                                           "会员等级", "等级"), "Membership tier"),
        F("city", TEXT, False, ("city", "城市"), "City"),
        F("country", TEXT, False, ("country", "国家"), "Country"),
    ),
)

PRODUCTS = Kind(
    name="products", label="Products", table="products", key=("product_id",),
    signature=("cost", "launchdate", "成本", "上架时间"),
    fields=(
        F("product_id", ID, True, ("product_id", "productid", "sku", "stockcode", "itemid", "id", "商家编码",
                                   "商品编码", "商品id", "宝贝id", "货号"), "Product id / SKU"),
        F("title", TEXT, True, ("title", "product_name", "productname", "name", "product", "description",
                                "宝贝标题", "商品标题", "商品名称", "标题", "名称"), "Title"),
        F("description", TEXT, False, ("description", "body", "bodyhtml", "details", "商品描述", "描述", "详情"),
          "Description"),
        F("category", TEXT, False, ("category", "producttype", "type", "类目", "品类", "分类", "商品类目"), "Category"),
        F("price", MONEY, False, ("price", "listprice", "unitprice", "售价", "价格", "单价", "一口价"), "Price"),
        F("cost", MONEY, False, ("cost", "unitcost", "costperitem", "成本", "成本价", "进价"), "Cost"),
        F("launch_date", DATE, False, ("launch_date", "launchdate", "publishedat", "createdat", "上架时间",
                                       "上市日期", "发布时间"), "Launch date"),
    ),
)

INVENTORY = Kind(
    name="inventory", label="Inventory snapshot", table="inventory_snapshots",
    key=("snapshot_date", "product_id", "warehouse"),
    signature=("onhand", "stock", "库存", "可用库存", "snapshotdate"),
    fields=(
        F("snapshot_date", DATE, True, ("snapshot_date", "snapshotdate", "date", "asof", "day", "日期", "盘点日期",
                                        "快照日期"), "Snapshot date"),
        F("product_id", ID, True, ("product_id", "productid", "sku", "stockcode", "itemid", "商家编码", "商品编码",
                                   "商品id", "货号"), "Product id / SKU"),
        F("on_hand", INT, True, ("on_hand", "onhand", "stock", "inventory", "quantity", "qty", "available",
                                 "库存", "库存数量", "可用库存", "现有库存", "数量"), "Units on hand"),
        F("warehouse", TEXT, False, ("warehouse", "location", "仓库", "仓库名称"), "Warehouse"),
    ),
)

TRAFFIC = Kind(
    name="traffic", label="Traffic (daily, by channel and device)", table="traffic_daily",
    key=("day", "channel", "device"),
    signature=("uv", "访客数", "pv", "浏览量"),
    fields=(
        F("day", DATE, True, ("day", "date", "日期", "统计日期"), "Day"),
        F("channel", TEXT, True, ("channel", "source", "trafficsource", "渠道", "流量来源", "来源"), "Channel"),
        F("device", TEXT, False, ("device", "devicetype", "终端", "设备"), "Device (default 'all')"),
        F("uv", INT, True, ("uv", "visitors", "uniquevisitors", "users", "访客数", "访客", "uv数"), "Visitors (UV)"),
        F("pv", INT, False, ("pv", "pageviews", "views", "浏览量", "pv数"), "Page views"),
        F("product_views", INT, False, ("product_views", "productviews", "detailviews", "商品浏览量",
                                        "商品访客数"), "Product-page views"),
        F("add_to_cart", INT, False, ("add_to_cart", "addtocart", "addtocarts", "carts", "加购人数", "加购数",
                                      "加购"), "Add-to-cart"),
        F("checkouts", INT, False, ("checkouts", "checkout", "下单人数", "下单买家数", "结算"), "Checkouts"),
    ),
)

TRAFFIC_SESSIONS = Kind(
    name="traffic_sessions", label="Traffic sessions (one row per visit)", table="traffic_sessions",
    key=("session_id",),
    signature=("revenue", "visitortype", "traffictype", "productrelated", "bouncerates", "exitrates"),
    fields=(
        F("session_id", ID, False, ("session_id", "sessionid", "visitid", "会话id"), "Session id (generated if blank)"),
        F("purchased", BOOL, True, ("purchased", "revenue", "converted", "purchase", "是否购买", "成交"), "Purchased"),
        F("day", DATE, False, ("day", "date", "sessiondate", "日期"), "Day"),
        F("month", TEXT, False, ("month", "月份"), "Month"),
        F("channel", TEXT, False, ("channel", "traffictype", "source", "渠道", "来源"), "Channel / traffic type"),
        F("device", TEXT, False, ("device", "devicetype", "设备"), "Device"),
        F("visitor_type", TEXT, False, ("visitor_type", "visitortype", "访客类型"), "Visitor type"),
        F("pages_viewed", INT, False, ("pages_viewed", "pagesviewed", "pages", "pageviews", "浏览页数"),
          "Pages viewed"),
        F("product_pages", INT, False, ("product_pages", "productpages", "productrelated", "商品页浏览数"),
          "Product pages viewed"),
        F("duration_seconds", NUMBER, False, ("duration_seconds", "durationseconds", "duration", "停留时长"),
          "Duration (seconds)"),
        F("bounce_rate", NUMBER, False, ("bounce_rate", "bouncerate", "bouncerates", "跳失率"), "Bounce rate"),
        F("exit_rate", NUMBER, False, ("exit_rate", "exitrate", "exitrates", "退出率"), "Exit rate"),
        F("added_to_cart", BOOL, False, ("added_to_cart", "addedtocart", "addtocart", "加购"), "Added to cart"),
        F("page_values", NUMBER, False, ("page_values", "pagevalues"), "Page value"),
        F("special_day", NUMBER, False, ("special_day", "specialday"), "Closeness to a special day"),
        F("weekend", BOOL, False, ("weekend", "isweekend", "周末"), "Weekend"),
        F("region", TEXT, False, ("region", "地区", "区域"), "Region"),
        F("browser", TEXT, False, ("browser", "浏览器"), "Browser"),
        F("operating_system", TEXT, False, ("operating_system", "operatingsystems", "operatingsystem", "os",
                                            "操作系统"), "Operating system"),
        F("traffic_type", TEXT, False, ("traffic_type", "traffictype"), "Traffic type code"),
    ),
)

AD_SPEND = Kind(
    name="ad_spend", label="Ad spend", table="ad_spend", key=("day", "channel", "campaign", "audience"),
    signature=("spend", "cost", "花费", "消耗", "impressions", "展现量", "roi"),
    fields=(
        F("day", DATE, True, ("day", "date", "日期", "统计日期"), "Day"),
        F("channel", TEXT, True, ("channel", "platform", "source", "渠道", "投放渠道", "平台"), "Channel"),
        F("campaign", TEXT, False, ("campaign", "campaignname", "计划", "计划名称", "推广计划", "活动"),
          "Campaign (default '(none)')"),
        F("audience", TEXT, False, ("audience", "adgroup", "targeting", "人群", "定向人群", "单元"),
          "Audience (default 'all')"),
        F("spend", MONEY, True, ("spend", "cost", "amountspent", "花费", "消耗", "投放花费", "费用"), "Spend"),
        F("impressions", INT, False, ("impressions", "展现量", "曝光量", "展现"), "Impressions"),
        F("clicks", INT, False, ("clicks", "点击量", "点击数", "点击"), "Clicks"),
        F("attributed_gmv", MONEY, False, ("attributed_gmv", "attributedgmv", "revenue", "conversionvalue", "gmv",
                                           "成交金额", "总成交金额", "引导成交金额", "转化金额"), "Attributed GMV"),
    ),
)

KEYWORDS = Kind(
    name="keywords", label="Search keywords", table="search_keywords", key=("day", "keyword"),
    signature=("keyword", "searches", "搜索词", "关键词", "搜索人数"),
    fields=(
        F("day", DATE, True, ("day", "date", "日期", "统计日期"), "Day"),
        F("keyword", TEXT, True, ("keyword", "searchterm", "query", "term", "搜索词", "关键词"), "Keyword"),
        F("category", TEXT, False, ("category", "类目", "品类"), "Category"),
        F("searches", INT, True, ("searches", "searchvolume", "volume", "impressions", "搜索人数", "搜索次数",
                                  "搜索量"), "Searches"),
        F("clicks", INT, False, ("clicks", "点击人数", "点击次数", "点击量"), "Clicks"),
        F("orders", INT, False, ("orders", "conversions", "成交笔数", "订单数", "支付笔数"), "Orders"),
        F("gmv", MONEY, False, ("gmv", "revenue", "sales", "成交金额", "支付金额"), "GMV"),
    ),
)

REVIEWS = Kind(
    name="reviews", label="Reviews", table="reviews", key=("review_id",),
    signature=("rating", "reviewtext", "评价内容", "评分", "评论"),
    fields=(
        F("review_id", ID, False, ("review_id", "reviewid", "评价id", "评论id"), "Review id (generated if blank)"),
        F("created_ts", TIMESTAMP, True, ("created_ts", "createdat", "reviewdate", "date", "评价时间", "评论时间",
                                          "日期"), "Review time"),
        F("product_id", ID, False, ("product_id", "productid", "sku", "clothingid", "itemid", "商品id", "宝贝id",
                                    "商家编码"), "Product id"),
        F("customer_id", ID, False, ("customer_id", "customerid", "user", "userid", "买家会员名", "买家昵称"),
          "Customer"),
        F("order_id", ID, False, ("order_id", "orderid", "订单编号", "订单号"), "Order"),
        F("rating", INT, False, ("rating", "stars", "score", "评分", "星级"), "Rating (1-5)"),
        F("review_text", TEXT, False, ("review_text", "reviewtext", "review", "text", "content", "comment",
                                       "评价内容", "评论内容", "评价", "评论", "内容"), "Text"),
        F("replied_ts", TIMESTAMP, False, ("replied_ts", "repliedat", "replytime", "回复时间", "商家回复时间"),
          "First reply time"),
        F("language", TEXT, False, ("language", "lang", "语言"), "Language"),
    ),
)

COMPETITOR_PRICES = Kind(
    name="competitor_prices", label="Competitor prices", table="competitor_prices",
    key=("day", "product_id", "competitor"),
    signature=("competitor", "竞品", "竞争对手"),
    fields=(
        F("day", DATE, True, ("day", "date", "日期"), "Day"),
        F("product_id", ID, True, ("product_id", "productid", "sku", "our_sku", "商品id", "商家编码", "我方商品"),
          "Our product id"),
        F("competitor", TEXT, True, ("competitor", "shop", "store", "竞品店铺", "竞争对手", "竞品", "对手"),
          "Competitor"),
        F("price", MONEY, True, ("price", "competitorprice", "竞品价格", "价格", "售价"), "Price"),
        F("promotion", TEXT, False, ("promotion", "promo", "促销", "活动"), "Promotion"),
        F("is_new_product", BOOL, False, ("is_new_product", "newproduct", "isnew", "新品", "是否新品"),
          "New product"),
    ),
)

SUPPLIERS = Kind(
    name="suppliers", label="Suppliers (and product links)", table="suppliers", key=("supplier_id",),
    signature=("supplier", "supplierid", "供应商", "leadtime", "交期"),
    fields=(
        F("supplier_id", ID, True, ("supplier_id", "supplierid", "supplier", "vendorid", "供应商编码", "供应商id",
                                    "供应商"), "Supplier id"),
        F("name", TEXT, False, ("name", "suppliername", "vendor", "vendorname", "供应商名称", "名称"),
          "Supplier name (default: the id)"),
        F("country", TEXT, False, ("country", "国家", "产地"), "Country"),
        F("product_id", ID, False, ("product_id", "productid", "sku", "商品id", "商家编码", "货号"),
          "Product id (rows with one also link product and supplier)"),
        F("role", TEXT, False, ("role", "type", "primary", "角色", "主备"), "Role (primary / backup)"),
        F("lead_time_days", NUMBER, False, ("lead_time_days", "leadtimedays", "leadtime", "交期", "交货周期",
                                            "补货周期"), "Lead time (days)"),
        F("unit_cost", MONEY, False, ("unit_cost", "unitcost", "cost", "采购价", "成本", "进价"), "Unit cost"),
    ),
)

CAMPAIGNS = Kind(
    name="campaigns", label="Campaign calendar (name, type, start, end, pre-sale start)", table="campaigns",
    key=("campaign_id",),
    signature=("campaigntype", "presalestart", "活动类型", "预售开始时间", "活动开始时间", "活动名称"),
    fields=(
        F("name", TEXT, True, ("name", "campaignname", "campaign", "eventname", "promotion", "活动名称", "活动", "名称"),
          "Campaign name"),
        F("start_date", DATE, True, ("start_date", "startdate", "start", "begin", "from", "saledate", "活动开始时间",
                                     "开始时间", "开始日期", "活动开始", "正式开始"), "Start (first sale day)"),
        F("end_date", DATE, True, ("end_date", "enddate", "end", "until", "to", "活动结束时间", "结束时间", "结束日期",
                                   "活动结束"), "End (last day)"),
        F("campaign_id", ID, False, ("campaign_id", "campaignid", "id", "活动id", "活动编号"),
          "Campaign id (default: name + start)"),
        F("kind", TEXT, False, ("kind", "type", "campaigntype", "eventtype", "活动类型", "类型"),
          "Type: big sale / member day / flash sale / other (大促, 会员日, 秒杀 understood)"),
        F("presale_start", DATE, False, ("presale_start", "presalestart", "presale", "prestart", "warmupstart",
                                         "预售开始时间", "预售开始", "预热开始时间", "预热开始", "预售"),
          "Pre-sale start (the pre-sale window runs to the start)"),
    ),
)

SCROLL_DEPTH = Kind(
    name="scroll_depth", label="Scroll depth (detail-page visitors per screen)", table="scroll_depth",
    key=("day", "device", "screen"),
    signature=("screen", "scrolldepth", "屏", "第几屏", "滚动深度"),
    fields=(
        F("day", DATE, True, ("day", "date", "日期", "统计日期"), "Day"),
        F("screen", INT, True, ("screen", "screennumber", "screenno", "scrolldepth", "depth", "fold", "第几屏", "屏数",
                                "屏", "滚动深度"), "Screen (1 = first screen)"),
        F("visitors", INT, True, ("visitors", "users", "uv", "reached", "visitorsreached", "访客数", "人数", "到达人数"),
          "Visitors reaching it"),
        F("device", TEXT, False, ("device", "devicecategory", "devicetype", "终端", "设备"), "Device (default 'all')"),
    ),
)

SURVEYS = Kind(
    name="surveys", label="Survey answers (why customers left)", table="customer_surveys",
    key=("customer_id", "response_date"),
    signature=("reason", "churnreason", "流失原因", "原因", "survey"),
    fields=(
        F("customer_id", ID, True, ("customer_id", "customerid", "customer", "userid", "email", "respondent",
                                    "会员名", "买家会员名", "客户id", "用户id", "会员id"), "Customer"),
        F("response_date", DATE, True, ("response_date", "responsedate", "answeredat", "submittedat", "date",
                                        "submitdate", "提交时间", "回答时间", "答卷时间", "日期"), "Answer date"),
        F("reason", TEXT, True, ("reason", "churnreason", "answer", "mainreason", "whyleft", "流失原因", "原因", "答案",
                                 "主要原因"), "Reason"),
        F("comment", TEXT, False, ("comment", "comments", "feedback", "remarks", "other", "意见", "备注", "补充说明",
                                   "评论"), "Comment"),
    ),
)

OUTREACH = Kind(
    name="outreach", label="Outreach results (who was contacted, offer, treatment/control)",
    table="reactivation_outreach", key=("customer_id", "sent_date"),
    signature=("arm", "treatment", "control", "offer", "实验组", "对照组", "分组", "触达"),
    fields=(
        F("customer_id", ID, True, ("customer_id", "customerid", "customer", "userid", "email", "会员名",
                                    "买家会员名", "客户id", "用户id", "会员id"), "Customer"),
        F("sent_date", DATE, True, ("sent_date", "sentdate", "senddate", "sentat", "contacted", "contactedat",
                                    "contactdate", "date", "发送日期", "发送时间", "触达时间", "触达日期", "日期"),
          "Contacted on"),
        F("arm", TEXT, True, ("arm", "group", "variant", "testgroup", "treatmentcontrol", "cohort", "分组", "组别",
                              "实验分组"), "Treatment or control (holdout)"),
        F("offer", TEXT, False, ("offer", "coupon", "incentive", "campaign", "优惠", "权益", "优惠券", "赠品"), "Offer"),
        F("converted", BOOL, False, ("converted", "reactivated", "purchased", "是否转化", "是否回购"), "Converted"),
        F("converted_date", DATE, False, ("converted_date", "converteddate", "conversiondate", "转化日期", "回购日期"),
          "Converted on"),
    ),
)

EVENTS = Kind(
    name="events", label="Event log (page views, favourites, add-to-cart, purchases)", table="events",
    key=(),
    signature=("behaviortype", "behavior", "eventname", "userpseudoid", "eventtimestamp", "行为类型"),
    fields=(
        F("event_ts", TIMESTAMP, True, ("event_ts", "timestamp", "eventtimestamp", "eventtime", "time", "ts",
                                        "datetime", "occurredat", "时间戳", "时间", "行为时间"), "Event time"),
        F("visitor_id", ID, True, ("visitor_id", "visitorid", "userpseudoid", "user_id", "userid", "clientid",
                                   "cookieid", "deviceid", "anonymousid", "visitor", "user", "用户id", "访客id",
                                   "用户"), "Visitor (or user) id"),
        F("event_type", TEXT, True, ("event_type", "behaviortype", "behavior", "behaviour", "eventname", "eventtype",
                                     "event", "action", "行为类型", "行为", "事件"),
          "Event (pv/view, fav, cart, checkout, buy/purchase, ...)"),
        F("item_id", ID, False, ("item_id", "itemid", "productid", "sku", "itemsitemid", "商品id", "宝贝id"), "Item"),
        F("category", ID, False, ("category_id", "categoryid", "category", "itemcategory", "itemsitemcategory",
                                  "类目id", "类目", "品类"), "Category"),
        F("channel", TEXT, False, ("channel", "source", "trafficsourcesource", "trafficsource", "medium", "utmsource",
                                   "渠道", "来源", "流量来源"), "Channel"),
        F("device", TEXT, False, ("device", "devicecategory", "platform", "devicetype", "终端", "设备"), "Device"),
        F("session_id", ID, False, ("session_id", "sessionid", "gasessionid", "会话id"), "Session"),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (ORDERS, CUSTOMERS, PRODUCTS, INVENTORY, TRAFFIC, TRAFFIC_SESSIONS,
                                                AD_SPEND, KEYWORDS, REVIEWS, COMPETITOR_PRICES, SUPPLIERS, CAMPAIGNS,
                                                SCROLL_DEPTH, SURVEYS, OUTREACH, EVENTS)}

# Aliases accepted by --kind (and the table names pages mention in their hints).
KIND_ALIASES = {"order": "orders", "order_items": "orders", "customer": "customers", "product": "products",
                "inventory_snapshots": "inventory", "stock": "inventory", "traffic_daily": "traffic",
                "sessions": "traffic_sessions", "ads": "ad_spend", "adspend": "ad_spend",
                "search_keywords": "keywords", "review": "reviews", "competitors": "competitor_prices",
                "supplier": "suppliers", "product_suppliers": "suppliers", "campaign": "campaigns",
                "calendar": "campaigns", "scroll": "scroll_depth", "survey": "surveys",
                "customer_surveys": "surveys", "reactivation_outreach": "outreach", "event": "events",
                "event_log": "events", "behaviour": "events", "behavior": "events", "clicks": "events"}


def get_kind(name: str) -> Kind:
    """Return the kind named ``name`` (or one of its aliases); ValueError naming the choices otherwise."""
    key = (name or "").strip().lower().replace("-", "_")
    key = KIND_ALIASES.get(key, key)
    if key not in KINDS:
        raise ValueError(f"unknown kind {name!r}; choose one of: {', '.join(KINDS)}")
    return KINDS[key]


# The names pages and domain modules use for the upload a view needs ("upload a campaign calendar on Data → Upload"),
# each naming an importable kind. One registry: tests/test_ingest_hints.py checks that every such hint in the code
# names one of these, so a page never asks for an upload that does not exist. Longer names first.
UPLOAD_NAMES: dict[str, str] = {
    "session-level traffic export": "traffic_sessions", "daily traffic export": "traffic",
    "search keywords export": "keywords", "search keyword export": "keywords", "keyword export": "keywords",
    "competitor price watch": "competitor_prices", "competitor prices": "competitor_prices",
    "product–supplier list": "suppliers", "product-supplier list": "suppliers", "supplier list": "suppliers",
    "inventory snapshot": "inventory", "customers export": "customers", "customer survey results": "surveys",
    "survey answers": "surveys", "outreach results": "outreach", "outreach file": "outreach",
    "campaign calendar": "campaigns", "scroll-depth export": "scroll_depth", "scroll depth export": "scroll_depth",
    "event log": "events", "behaviour log": "events", "ad spend export": "ad_spend", "reviews export": "reviews",
    "product list": "products", "orders export": "orders", "upload orders": "orders", "orders history": "orders",
    "order history": "orders",
}


def kinds_named_in(text: str) -> list[str]:
    """Return the kinds an upload hint names (by the phrases of :data:`UPLOAD_NAMES`), in the order they appear."""
    lowered = (text or "").lower()
    found: list[tuple[int, str]] = []
    for phrase, kind in sorted(UPLOAD_NAMES.items(), key=lambda item: -len(item[0])):
        at = lowered.find(phrase)
        if at >= 0 and not any(start <= at < start + len(p) for start, p in found):
            found.append((at, phrase))
    return [UPLOAD_NAMES[p] for _, p in sorted(found)]
