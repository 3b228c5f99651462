import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { EventsService, type EventBacklog } from '../events/events.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers. 503 otherwise. The body also shows the
   * durable event backlog (DESIGN §8): undelivered deliveries, dead ones, and
   * the age of the oldest undelivered event.
   */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: string; database: string; events?: EventBacklog }> {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'ok', database: 'up', events: await this.events.backlog() };
    } catch {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', database: 'down' };
    }
  }
}
