import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { RefundsService } from 'payment-service';
import type { Repository } from 'typeorm';
import { Order } from './order.entity';

/** The host's own routes (under its global prefix `api`), with Nest's own error format. */
@Controller('orders')
export class OrdersController {
  constructor(
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    private readonly refunds: RefundsService,
  ) {}

  @Get()
  list(): Promise<Order[]> {
    return this.orders.find({ order: { id: 'ASC' } });
  }

  @Get(':id')
  async get(@Param('id', ParseIntPipe) id: number): Promise<Order> {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return order;
  }

  /** Refunds a payment through the service, in this process (no HTTP call, no API key). */
  @Post('refunds')
  async refund(
    @Body() body: { transactionId?: number; amount?: number },
  ): Promise<{ refundId: number; status: string; amount: number }> {
    if (typeof body?.transactionId !== 'number')
      throw new BadRequestException('transactionId (a number) is required');
    const { refund } = await this.refunds.refund(body.transactionId, { amount: body.amount });
    return { refundId: refund.id, status: refund.status, amount: Number(refund.amount) };
  }
}
